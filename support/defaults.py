"""The product §5 default support catalogue: queues, categories, sub-topics, required
fields, SLA targets and canned replies.

Seeded into the database by a data migration; afterwards the rows are operator data
(edited in the admin), so changing this module does not change an existing install.
Keys (slugs) are stable identifiers used by the API and by routing.
"""

from __future__ import annotations

from typing import Any

# --------------------------------------------------------------------------- queues

QUEUES: list[dict[str, Any]] = [
    {"slug": "helpdesk", "name_ja": "ヘルプデスク", "name_en": "Help desk", "is_security": False},
    {"slug": "trading", "name_ja": "取引サポート", "name_en": "Trading support", "is_security": False},
    {"slug": "funds", "name_ja": "入出金サポート", "name_en": "Funds support", "is_security": False},
    {"slug": "operations", "name_ja": "システム運用", "name_en": "Operations", "is_security": False},
    {"slug": "security", "name_ja": "セキュリティチーム", "name_en": "Security team", "is_security": True},
]

# --------------------------------------------------------------------------- priorities

URGENT, HIGH, NORMAL, LOW = 1, 2, 3, 4

# Minutes of business time (JST desk hours) unless around_the_clock.
SLA_POLICIES: list[dict[str, Any]] = [
    {"priority": URGENT, "first_response_minutes": 60, "resolution_minutes": 8 * 60, "around_the_clock": True},
    {"priority": HIGH, "first_response_minutes": 4 * 60, "resolution_minutes": 16 * 60, "around_the_clock": False},
    {"priority": NORMAL, "first_response_minutes": 8 * 60, "resolution_minutes": 24 * 60, "around_the_clock": False},
    {"priority": LOW, "first_response_minutes": 16 * 60, "resolution_minutes": 40 * 60, "around_the_clock": False},
]

# --------------------------------------------------------------------------- fields

_OCCURRED_AT = {
    "key": "occurred_at",
    "kind": "datetime",
    "label_ja": "発生日時",
    "label_en": "Date and time",
    "help_ja": "例: 2026-11-20 14:30（日本時間）",
    "help_en": "e.g. 2026-11-20 14:30 (Japan time)",
}

_CURRENCIES = [
    {"value": "JPY", "label_ja": "日本円 (JPY)", "label_en": "Japanese yen (JPY)"},
    {"value": "BTC", "label_ja": "ビットコイン (BTC)", "label_en": "Bitcoin (BTC)"},
    {"value": "ETH", "label_ja": "イーサリアム (ETH)", "label_en": "Ethereum (ETH)"},
    {"value": "XRP", "label_ja": "エックスアールピー (XRP)", "label_en": "XRP"},
]

_PAIRS = [
    {"value": "BTC/JPY", "label_ja": "BTC/JPY", "label_en": "BTC/JPY"},
    {"value": "ETH/JPY", "label_ja": "ETH/JPY", "label_en": "ETH/JPY"},
    {"value": "XRP/JPY", "label_ja": "XRP/JPY", "label_en": "XRP/JPY"},
    {"value": "ETH/BTC", "label_ja": "ETH/BTC", "label_en": "ETH/BTC"},
]

_SIGNIN_STEPS = [
    {"value": "password", "label_ja": "メールアドレス・パスワード入力", "label_en": "Email and password"},
    {"value": "captcha", "label_ja": "画像認証（キャプチャ）", "label_en": "Captcha"},
    {"value": "second_factor", "label_ja": "2段階認証コード（認証アプリ）", "label_en": "Authenticator code"},
    {"value": "sms_code", "label_ja": "SMS認証コード", "label_en": "SMS code"},
    {"value": "email_link", "label_ja": "メールのリンク・確認コード", "label_en": "Email link or confirmation code"},
    {"value": "password_reset", "label_ja": "パスワード再設定", "label_en": "Password reset"},
    {"value": "other", "label_ja": "その他", "label_en": "Other"},
]

CATEGORIES: list[dict[str, Any]] = [
    {
        "slug": "sign_in",
        "name_ja": "ログイン",
        "name_en": "Signing in",
        "queue": "helpdesk",
        "priority": NORMAL,
        "guest_allowed": True,
        "offers_freeze": False,
        "subtopics": [
            {"slug": "email_not_arriving", "name_ja": "メールが届かない", "name_en": "Email not arriving"},
            {"slug": "authenticator", "name_ja": "認証アプリ（2段階認証）", "name_en": "Authenticator (2FA)"},
            {"slug": "sms", "name_ja": "SMSが届かない・認証できない", "name_en": "SMS code"},
            {
                "slug": "account",
                "name_ja": "アカウント（登録メールアドレス等）",
                "name_en": "Account (registered address etc.)",
            },
        ],
        "fields": [
            {
                "key": "failing_step",
                "kind": "choice",
                "label_ja": "うまくいかない手順",
                "label_en": "Which step fails",
                "choices": _SIGNIN_STEPS,
            },
            {
                "key": "message_shown",
                "kind": "text",
                "label_ja": "表示されたメッセージ",
                "label_en": "Message shown",
                "help_ja": "画面に表示された文言をそのまま入力してください（なければ「なし」）。",
                "help_en": "Type the message exactly as shown (or “none”).",
            },
        ],
    },
    {
        "slug": "trading",
        "name_ja": "取引",
        "name_en": "Trading",
        "queue": "trading",
        "priority": NORMAL,
        "guest_allowed": False,
        "offers_freeze": False,
        "subtopics": [],
        "fields": [
            {
                "key": "order_id",
                "kind": "text",
                "label_ja": "注文ID・約定ID",
                "label_en": "Order or trade ID",
                "max_length": 64,
                "help_ja": "取引履歴に表示される番号です。",
                "help_en": "The number shown in your trade history.",
            },
            _OCCURRED_AT,
            {"key": "pair", "kind": "choice", "label_ja": "通貨ペア", "label_en": "Pair", "choices": _PAIRS},
            {"key": "amount", "kind": "decimal", "label_ja": "数量", "label_en": "Amount"},
        ],
    },
    {
        "slug": "funds",
        "name_ja": "入出金",
        "name_en": "Deposits and withdrawals",
        "queue": "funds",
        "priority": NORMAL,
        "guest_allowed": False,
        "offers_freeze": False,
        "subtopics": [
            {"slug": "deposit", "name_ja": "入金", "name_en": "Deposit"},
            {"slug": "withdrawal", "name_ja": "出金", "name_en": "Withdrawal"},
        ],
        "fields": [
            {
                "key": "tx_reference",
                "kind": "text",
                "label_ja": "取引ID・トランザクションハッシュ",
                "label_en": "Transaction ID or hash",
                "max_length": 128,
            },
            _OCCURRED_AT,
            {"key": "currency", "kind": "choice", "label_ja": "通貨", "label_en": "Currency", "choices": _CURRENCIES},
            {"key": "amount", "kind": "decimal", "label_ja": "金額・数量", "label_en": "Amount"},
            {
                "key": "bank_or_network",
                "kind": "text",
                "label_ja": "銀行名・ネットワーク",
                "label_en": "Bank or network",
                "help_ja": "例: みずほ銀行、Bitcoin、Ethereum (ERC-20)",
                "help_en": "e.g. Mizuho Bank, Bitcoin, Ethereum (ERC-20)",
            },
        ],
    },
    {
        "slug": "system",
        "name_ja": "システム障害・不具合",
        "name_en": "System trouble",
        "queue": "operations",
        "priority": NORMAL,
        "guest_allowed": False,
        "offers_freeze": False,
        "subtopics": [],
        "fields": [
            {
                "key": "device",
                "kind": "text",
                "label_ja": "端末",
                "label_en": "Device",
                "help_ja": "例: iPhone 15、Windows PC",
                "help_en": "e.g. iPhone 15, Windows PC",
            },
            {
                "key": "os",
                "kind": "text",
                "label_ja": "OS",
                "label_en": "Operating system",
                "help_ja": "例: iOS 19.1",
                "help_en": "e.g. iOS 19.1",
            },
            {
                "key": "app_version",
                "kind": "text",
                "label_ja": "ブラウザ・アプリのバージョン",
                "label_en": "Browser or app version",
            },
            {"key": "error_message", "kind": "text", "label_ja": "エラーメッセージ", "label_en": "Error message"},
            _OCCURRED_AT,
        ],
    },
    {
        "slug": "security",
        "name_ja": "セキュリティ（不正アクセス・乗っ取り）",
        "name_en": "Security (unauthorised access)",
        "queue": "security",
        "priority": URGENT,
        "guest_allowed": True,
        "offers_freeze": True,
        "subtopics": [],
        "fields": [
            {
                "key": "what_happened",
                "kind": "textarea",
                "label_ja": "何が起きましたか",
                "label_en": "What happened",
                "max_length": 2000,
                "help_ja": "身に覚えのないログイン・出金・設定変更など",
                "help_en": "e.g. a sign-in, withdrawal or settings change you did not make",
            },
            {**_OCCURRED_AT, "label_ja": "気付いた日時", "label_en": "When"},
        ],
    },
    {
        "slug": "other",
        "name_ja": "その他",
        "name_en": "Other",
        "queue": "helpdesk",
        "priority": NORMAL,
        "guest_allowed": False,
        "offers_freeze": False,
        "subtopics": [],
        "fields": [],
    },
]

# --------------------------------------------------------------------------- canned replies

# Placeholders: {customer_name} {reference} {agent_name} {category} {portal_url}
CANNED_REPLIES: list[dict[str, str]] = [
    {
        "slug": "ack_investigating",
        "title_ja": "受付・調査中",
        "title_en": "Received, investigating",
        "body_ja": (
            "{customer_name} 様\n\n"
            "お問い合わせ（受付番号 {reference}）をいただきありがとうございます。\n"
            "担当部署にて状況を確認しております。確認が取れ次第、改めてご連絡いたします。\n"
            "恐れ入りますが、今しばらくお待ちください。\n\n"
            "{agent_name}"
        ),
        "body_en": (
            "Dear {customer_name},\n\n"
            "Thank you for your inquiry (reference {reference}).\n"
            "The responsible team is looking into it and we will get back to you as soon as we have checked.\n"
            "Thank you for your patience.\n\n"
            "{agent_name}"
        ),
    },
    {
        "slug": "deposit_credited",
        "title_ja": "入金反映のご案内",
        "title_en": "Deposit credited",
        "body_ja": (
            "{customer_name} 様\n\n"
            "お問い合わせ（受付番号 {reference}）の入金について確認いたしました。\n"
            "ご入金はお客様のアカウントに反映済みです。残高画面にてご確認ください。\n"
            "反映が確認できない場合は、このお問い合わせに返信してください。\n\n"
            "{agent_name}"
        ),
        "body_en": (
            "Dear {customer_name},\n\n"
            "We have checked the deposit in your inquiry (reference {reference}).\n"
            "It has been credited to your account; please check your balances page.\n"
            "If you still cannot see it, simply reply to this inquiry.\n\n"
            "{agent_name}"
        ),
    },
    {
        "slug": "need_more_info",
        "title_ja": "追加情報のお願い",
        "title_en": "More information needed",
        "body_ja": (
            "{customer_name} 様\n\n"
            "お問い合わせ（受付番号 {reference}）について、確認のため追加の情報が必要です。\n"
            "画面のスクリーンショット（個人情報・パスワードは写さないでください）を添付のうえ、ご返信ください。\n\n"
            "{agent_name}"
        ),
        "body_en": (
            "Dear {customer_name},\n\n"
            "To look into your inquiry (reference {reference}) we need a little more information.\n"
            "Please reply with a screenshot of the screen (without passwords or other personal data).\n\n"
            "{agent_name}"
        ),
    },
    {
        "slug": "signin_clock_drift",
        "title_ja": "認証コード: 時刻ずれ",
        "title_en": "Authenticator code: clock drift",
        "body_ja": (
            "{customer_name} 様\n\n"
            "認証アプリのコードが正しくないと表示される場合、スマートフォンの時刻がずれている可能性があります。\n"
            "「設定」で日付と時刻の「自動設定」をオンにしてから、新しいコードでお試しください。\n"
            "解決しない場合は、このお問い合わせ（受付番号 {reference}）に返信してください。\n\n"
            "{agent_name}"
        ),
        "body_en": (
            "Dear {customer_name},\n\n"
            "If the authenticator code is reported as wrong, your phone's clock may be off.\n"
            "Turn on automatic date and time in Settings, then try a new code.\n"
            "If that does not help, reply to this inquiry (reference {reference}).\n\n"
            "{agent_name}"
        ),
    },
    {
        "slug": "security_frozen",
        "title_ja": "不正アクセス: アカウントの凍結",
        "title_en": "Unauthorised access: account frozen",
        "body_ja": (
            "{customer_name} 様\n\n"
            "お問い合わせ（受付番号 {reference}）を受け、安全のためお客様のアカウントを凍結しました。\n"
            "凍結中は取引・出金・出金先の追加・セキュリティ設定の変更ができません。\n"
            "凍結の解除には本人確認が必要です。当社からパスワードや認証コードをお尋ねすることはありません。\n\n"
            "{agent_name}"
        ),
        "body_en": (
            "Dear {customer_name},\n\n"
            "Following your inquiry (reference {reference}) we have frozen your account for your safety.\n"
            "While frozen, trading, withdrawals and security changes are not possible.\n"
            "Lifting the freeze requires identity verification. We will never ask for your password or codes.\n\n"
            "{agent_name}"
        ),
    },
    {
        "slug": "resolved_close",
        "title_ja": "解決のご連絡",
        "title_en": "Resolved",
        "body_ja": (
            "{customer_name} 様\n\n"
            "お問い合わせ（受付番号 {reference}）は解決済みとさせていただきます。\n"
            "ご不明な点が残っている場合は、このお問い合わせに返信いただければ再開いたします。\n\n"
            "{agent_name}"
        ),
        "body_en": (
            "Dear {customer_name},\n\n"
            "We are marking your inquiry (reference {reference}) as resolved.\n"
            "If anything is still unclear, reply to this inquiry and we will reopen it.\n\n"
            "{agent_name}"
        ),
    },
]
