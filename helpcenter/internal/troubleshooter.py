# ruff: noqa: E501  (bilingual data: long sentences read better unwrapped)
"""The "I can't sign in" troubleshooter: a decision tree, bilingual data.

Every path ends at a leaf of one of three kinds:
- ``fix``: what to do, with the help article that explains it;
- ``flow``: a self-service flow (password reset, recovery, freeze, status page);
- ``inquiry``: the inquiry form pre-filled with category, sub-topic and failing step.
Leaves may carry a secondary inquiry link ("still stuck?").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..conf import inquiry_category_slug, url_for_flow

Text = dict[str, str]


def t(ja: str, en: str) -> Text:
    return {"ja": ja, "en": en}


@dataclass
class Option:
    label: Text
    node: Node


@dataclass
class Node:
    id: str
    kind: str  # "question" | "fix" | "flow" | "inquiry"
    title: Text
    text: Text = field(default_factory=lambda: t("", ""))
    options: list[Option] = field(default_factory=list)
    article: str | None = None
    flow: str | None = None  # key resolved by conf.url_for_flow
    subtopic: str | None = None  # inquiry sub-topic
    failing_step: str | None = None
    still_stuck: tuple[str, str] | None = None  # (subtopic, failing_step) for a secondary inquiry link


def inquiry_url(subtopic: str, failing_step: str | None = None, step: str | None = None) -> str:
    """The inquiry form for this leaf; ``step`` (the leaf's id) lets the form write the
    customer's answers into the description (``answers``)."""
    params = {"category": inquiry_category_slug(), "subtopic": subtopic}
    if failing_step:
        params["failing_step"] = failing_step
    if step:
        params["from"] = step
    return url_for_flow("inquiry") + "?" + urlencode(params)


def _fix(id: str, title: Text, text: Text, article: str, still: tuple[str, str] | None = None) -> Node:
    return Node(id=id, kind="fix", title=title, text=text, article=article, still_stuck=still)


def _flow(
    id: str, title: Text, text: Text, flow: str, article: str | None = None, still: tuple[str, str] | None = None
) -> Node:
    return Node(id=id, kind="flow", title=title, text=text, flow=flow, article=article, still_stuck=still)


def _inquiry(id: str, title: Text, text: Text, subtopic: str, failing_step: str) -> Node:
    return Node(id=id, kind="inquiry", title=title, text=text, subtopic=subtopic, failing_step=failing_step)


def build_tree() -> Node:
    address = Node(
        id="address",
        kind="question",
        title=t("メールアドレスが見つからない・違うと言われる", "The email address is not recognised"),
        text=t("どれに当てはまりますか。", "Which fits best?"),
        options=[
            Option(
                t("Google・Facebook・LINE で登録した", "I registered with Google, Facebook or LINE"),
                _fix(
                    "address-social",
                    t(
                        "登録したサービスのボタンでログインしてください",
                        "Sign in with the same button you registered with",
                    ),
                    t(
                        "ソーシャルログインで作ったアカウントは、同じサービスのボタンからログインします。メールアドレスとパスワードでログインしたい場合は、パスワード再設定の手続きでパスワードを設定できます。",
                        "An account created with social sign-in signs in with the same provider's button. To use email and password instead, set a password through the password reset flow.",
                    ),
                    "social-login",
                    ("account", "password"),
                ),
            ),
            Option(
                t("どのアドレスで登録したか分からない", "I'm not sure which address I registered"),
                _fix(
                    "address-unknown",
                    t(
                        "当社からのメールが届いているアドレスを探してください",
                        "Look for the address that receives our emails",
                    ),
                    t(
                        "お持ちのメールボックスで「madoguchi」からのメール（登録確認、ログインのお知らせ）を検索してください。見つかったアドレスでログインするか、パスワード再設定をお試しください。",
                        "Search your mailboxes for emails from madoguchi (registration, sign-in notices). Sign in with that address, or try a password reset with it.",
                    ),
                    "cannot-sign-in",
                    ("account", "password"),
                ),
            ),
            Option(
                t("登録していないかもしれない", "Maybe I never registered"),
                _flow(
                    "address-register",
                    t("口座開設の手続きをしてください", "Open an account"),
                    t(
                        "登録が済んでいない場合は、新規登録から口座開設を始めてください。すでに登録済みのアドレスなら、そのアドレスにお知らせが届きます。",
                        "If you have not registered yet, start with sign-up. If the address is already registered, its owner receives a notice instead.",
                    ),
                    "signup",
                    "account-opening",
                ),
            ),
        ],
    )
    password = Node(
        id="password",
        kind="question",
        title=t("パスワードが違うと言われる", "The password is refused"),
        text=t("どれに当てはまりますか。", "Which fits best?"),
        options=[
            Option(
                t("正しいはずのパスワードが通らない", "I'm sure the password is right"),
                _fix(
                    "password-typing",
                    t(
                        "全角文字・Caps Lock・前後の空白を確認してください",
                        "Check for full-width characters, Caps Lock and spaces",
                    ),
                    t(
                        "日本語入力をオフにして、半角で入力し直してください。パスワードは大文字と小文字を区別します。Caps Lock がオンになっていないか、コピーしたときに前後に空白が入っていないかも確認してください。",
                        "Turn the Japanese input method off and type again in half-width characters. Passwords are case-sensitive: check that Caps Lock is off and that no spaces came along when pasting.",
                    ),
                    "cannot-sign-in",
                    ("account", "password"),
                ),
            ),
            Option(
                t("パスワードを忘れた", "I forgot it"),
                _flow(
                    "password-forgot",
                    t("パスワードを再設定してください", "Reset your password"),
                    t(
                        "登録メールアドレスを入力すると、再設定の手順をお送りします。再設定後24時間は出金が保留されます。",
                        "Enter your registered email address and we send you the reset steps. Withdrawals are held for 24 hours afterwards.",
                    ),
                    "password_reset",
                    "password-reset",
                    ("email_not_arriving", "password_reset"),
                ),
            ),
            Option(
                t(
                    "ソーシャルログインで登録したのでパスワードがない",
                    "I registered with social sign-in and never set a password",
                ),
                _flow(
                    "password-social",
                    t("パスワード再設定の手続きでパスワードを設定できます", "Set a password through the reset flow"),
                    t(
                        "Google・Facebook・LINE で作ったアカウントにはパスワードがありません。同じボタンでログインするか、パスワード再設定の手続きで新しく設定してください。",
                        "Accounts created with Google, Facebook or LINE have no password. Sign in with the same button, or set one through the password reset flow.",
                    ),
                    "password_reset",
                    "social-login",
                ),
            ),
        ],
    )
    captcha = _fix(
        "captcha",
        t("ロボットでないことの確認を通すには", "Getting through the robot check"),
        t(
            "数秒待つ、ページを再読み込みする、JavaScript を有効にする、広告ブロッカーを一時的にオフにする、別のブラウザで試す、アプリを最新版に更新する — の順にお試しください。",
            "Wait a few seconds, reload the page, turn on JavaScript, pause ad blockers, try another browser, update the app — in that order.",
        ),
        "captcha",
        ("account", "captcha"),
    )
    sms = Node(
        id="sms",
        kind="question",
        title=t("SMS の確認コードが届かない", "The SMS code does not arrive"),
        text=t("登録した電話番号は今もお使いですか。", "Do you still use the phone number you registered?"),
        options=[
            Option(
                t("はい、同じ番号を使っている", "Yes, same number"),
                _fix(
                    "sms-same-number",
                    t("迷惑メッセージ設定と受信拒否を確認してください", "Check spam filters and SMS blocking"),
                    t(
                        "海外・非通知 SMS の拒否設定、迷惑メッセージフィルタ、データ専用 SIM でないかを確認し、スマートフォンを再起動してください。再送は少し待ってから行い、最新のコードだけを入力してください。",
                        "Check settings that block international or unknown-sender SMS, spam filters and whether your SIM is data-only, then restart the phone. Wait a little before resending and enter only the newest code.",
                    ),
                    "sms-verification",
                    ("sms", "sms_code"),
                ),
            ),
            Option(
                t("いいえ、番号が変わった", "No, my number changed"),
                _inquiry(
                    "sms-number-changed",
                    t("お問い合わせください（ログイン → SMS）", "Contact us (Sign-in → SMS)"),
                    t(
                        "旧番号には SMS を送れません。ご本人確認のうえ電話番号を変更しますので、お問い合わせフォームからご連絡ください。",
                        "We cannot text your old number. Contact us and we will change the number after confirming your identity.",
                    ),
                    "sms",
                    "sms_code",
                ),
            ),
        ],
    )
    email = _fix(
        "email",
        t("メールが届かないときは", "When emails do not arrive"),
        t(
            "迷惑メールフォルダ、キャリアメールのドメイン指定受信、登録アドレスの綴りを確認してください。再送は数分待ってから行ってください。",
            "Check the spam folder, carrier-mail domain allow-lists and the spelling of your registered address. Wait a few minutes before resending.",
        ),
        "email-not-arriving",
        ("email_not_arriving", "email_link"),
    )
    code = Node(
        id="code",
        kind="question",
        title=t("認証アプリのコードが通らない", "The authenticator code is refused"),
        text=t("どれに当てはまりますか。", "Which fits best?"),
        options=[
            Option(
                t("正しく入力しているのに「コードが違う」と言われる", "I type it correctly but it is refused"),
                _fix(
                    "code-clock",
                    t("スマートフォンの時刻を自動設定にしてください", "Set your phone's clock to automatic"),
                    t(
                        "コードは時刻から作られるため、時計がずれると通りません。iPhone：設定 → 一般 → 日付と時刻 →「自動設定」をオン。Android：設定 → システム → 日付と時刻 →「日時を自動的に設定」をオン。Google Authenticator（Android）：メニュー → 設定 → コードの時間補正 → 今すぐ同期。そのあと新しいコードを入力してください。",
                        "Codes are calculated from the time, so a drifted clock makes them fail. iPhone: Settings → General → Date & Time → turn on Set Automatically. Android: Settings → System → Date & time → Set time automatically. Google Authenticator (Android): menu → Settings → Time correction for codes → Sync now. Then enter a fresh code.",
                    ),
                    "two-factor-login-trouble",
                    ("authenticator", "second_factor"),
                ),
            ),
            Option(
                t("機種変更して認証アプリの登録が消えた", "I changed phones and the authenticator entry is gone"),
                _flow(
                    "code-new-phone",
                    t(
                        "保管したキーかリカバリーコードを使うか、認証アプリなしで解除してください",
                        "Use your saved key or a recovery code, or turn 2FA off without the app",
                    ),
                    t(
                        "セットアップキーがあれば新しい端末に登録し直せます。リカバリーコードはコードの代わりに入力できます。どちらもない場合は、ログイン画面の「認証アプリを使えない場合」から、登録メールアドレスと電話番号の確認で2段階認証を解除できます。",
                        'With your setup key you can add the account to the new phone; a recovery code works instead of the app code. With neither, choose "I can\'t use my authenticator" on the sign-in page to turn 2FA off after confirming your email address and phone.',
                    ),
                    "recovery",
                    "phone-change",
                    ("authenticator", "second_factor"),
                ),
            ),
            Option(
                t("スマートフォンをなくした・盗まれた", "I lost my phone or it was stolen"),
                _flow(
                    "code-lost-phone",
                    t("まずアカウントを凍結してください", "Freeze your account first"),
                    t(
                        "ログインしていなくても、登録メールアドレス宛の凍結リンクからすぐに凍結できます。そのあと本人確認で2段階認証を解除します。",
                        "You can freeze the account at once through a link sent to your registered email, without signing in. Then reset 2FA through identity verification.",
                    ),
                    "freeze",
                    "phone-lost",
                    ("authenticator", "second_factor"),
                ),
            ),
        ],
    )
    frozen = _flow(
        "frozen",
        t("凍結の解除には本人確認が必要です", "Lifting a freeze needs identity verification"),
        t(
            "凍結中もログインと残高の確認はできます。凍結を解除するには、IDセルフィーを添えて本人確認を申請してください。",
            "While frozen you can still sign in and see balances. To lift the freeze, apply for identity verification with an ID selfie.",
        ),
        "identity",
        "account-frozen",
        ("account", "other"),
    )
    maintenance = _flow(
        "maintenance",
        t("メンテナンス・障害の状況を確認してください", "Check maintenance and incident status"),
        t(
            "メンテナンス中はログインできません。終了予定時刻はシステム状況のページでご確認ください。",
            "Signing in is unavailable during maintenance. The status page shows when it is expected to end.",
        ),
        "status",
        "maintenance",
    )
    return Node(
        id="start",
        kind="question",
        title=t("ログインできないときの診断", "I can't sign in"),
        text=t("ログインしようとすると、どうなりますか。", "What happens when you try to sign in?"),
        options=[
            Option(
                t("メールアドレスが見つからない・登録されていないと言われる", "The email address is not recognised"),
                address,
            ),
            Option(t("パスワードが違うと言われる", "The password is refused"), password),
            Option(
                t(
                    "「ロボットでないことの確認」が終わらない・失敗する",
                    "The robot check (captcha) fails or never finishes",
                ),
                captcha,
            ),
            Option(t("SMS の確認コードが届かない", "The SMS code does not arrive"), sms),
            Option(t("メール（確認・再設定）が届かない", "Emails (confirmation, reset) do not arrive"), email),
            Option(
                t("認証アプリのコードが通らない・使えない", "The authenticator code is refused or unavailable"), code
            ),
            Option(t("アカウントが凍結されていると表示される", "It says my account is frozen"), frozen),
            Option(
                t("メンテナンス中と表示される・ページが開かない", "It says maintenance, or the page does not load"),
                maintenance,
            ),
        ],
    )


def walk(node: Node) -> list[Node]:
    out = [node]
    for opt in node.options:
        out.extend(walk(opt.node))
    return out


def still_stuck_url(node: Node) -> str | None:
    """The secondary "still stuck?" inquiry link of a leaf (None when it has none)."""
    return inquiry_url(*node.still_stuck, node.id) if node.still_stuck else None


def answers(root: Node, node_id: str, language: str) -> tuple[list[str], str] | None:
    """The answers the customer chose to reach ``node_id`` (option labels) and, for a fix or
    flow leaf, the fix it suggested ("" for an inquiry leaf); None for an unknown step."""
    lang = language if language in ("ja", "en") else "ja"
    found = find(root, node_id)
    if found is None:
        return None
    node, path = found
    chosen: list[str] = []
    for parent, child in zip(path, [*path[1:], node], strict=True):
        chosen.extend(o.label[lang] for o in parent.options if o.node is child)
    return chosen, (node.title[lang] if node.kind in ("fix", "flow") else "")


def find(root: Node, node_id: str) -> tuple[Node, list[Node]] | None:
    """The node with ``node_id`` and the path of nodes leading to it (for the breadcrumb)."""
    if root.id == node_id:
        return root, []
    for opt in root.options:
        found = find(opt.node, node_id)
        if found:
            node, path = found
            return node, [root, *path]
    return None


def serialize(node: Node, language: str) -> dict[str, Any]:
    """The tree in one language, for the API (``GET /api/v1/help/troubleshooter/sign-in``)."""
    lang = language if language in ("ja", "en") else "ja"
    data: dict[str, Any] = {
        "id": node.id,
        "kind": node.kind,
        "title": node.title[lang],
        "text": node.text[lang],
        "article": node.article,
        "url": leaf_url(node),
        "inquiry_url": still_stuck_url(node),
        "options": [{"label": o.label[lang], "node": serialize(o.node, lang)} for o in node.options],
    }
    return data


def leaf_url(node: Node) -> str | None:
    if node.kind == "flow" and node.flow:
        return url_for_flow(node.flow)
    if node.kind == "inquiry" and node.subtopic:
        return inquiry_url(node.subtopic, node.failing_step, node.id)
    if node.kind == "fix" and node.article:
        return url_for_flow("article", slug=node.article)
    return None
