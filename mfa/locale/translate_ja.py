# ruff: noqa: E501, T201
"""Fill mfa/locale/ja/LC_MESSAGES/django.po from the table below (run after makemessages).

Kept in the repository so that translations survive re-extraction:
``python mfa/locale/translate_ja.py`` rewrites msgstr entries from JA.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

JA: dict[str, str | list[str]] = {
    "Code from your authenticator app (or a recovery code)": "認証アプリのコード（またはリカバリーコード）",
    "6-digit code shown in the app": "アプリに表示されている6桁のコード",
    "Confirmation code sent by SMS (or from your passkey)": "SMSで届いた確認コード",
    "6-digit code sent by SMS": "SMSで届いた6桁のコード",
    "Anti-phishing code": "フィッシング対策コード",
    "Two-factor code": "2段階認証コード",
    "New email address": "新しいメールアドレス",
    "New mobile phone number": "新しい携帯電話番号",
    "Code we sent to the new address or number": "新しいメールアドレスまたは電話番号に送った確認コード",
    "The code is incorrect. Enter the 6-digit code currently shown in your authenticator app.": "コードが正しくありません。認証アプリに今表示されている6桁のコードを入力してください。",
    "Two-factor authentication is locked after too many wrong codes. To protect your account, sign-in and "
    "sensitive actions are blocked until you recover access (“I can't use my authenticator”). We have sent "
    "you an email.": "誤ったコードが続けて入力されたため、2段階認証をロックしました。お客様の資産を守るため、"
    "アクセスを回復する（「認証アプリが使えない」）まで、ログインと重要な操作はできません。"
    "メールでお知らせしました。",
    "This code has already been used. Wait for the next code in your authenticator app and enter it.": "このコードはすでに使用されています。認証アプリに次のコードが表示されるまで待ってから入力してください。",
    "Two-factor checks are temporarily unavailable. Please try again later.": "現在、2段階認証の確認を一時的に行えません。しばらくしてからもう一度お試しください。",
    "Recovery codes cannot authorise withdrawals or new withdrawal addresses. Enter the code from your "
    "authenticator app.": "リカバリーコードは出金や出金先アドレスの追加には使えません。認証アプリのコードを入力してください。",
    "That code belongs to about %(n)d minute ahead of the correct time: your phone's clock seems to be about "
    "%(n)d minute fast.": [
        "このコードは正しい時刻より約%(n)d分進んだ時刻のものです。スマートフォンの時計が約%(n)d分進んでいるようです。"
    ],
    "That code belongs to about %(n)d minute behind the correct time: your phone's clock seems to be about "
    "%(n)d minute slow.": [
        "このコードは正しい時刻より約%(n)d分遅れた時刻のものです。スマートフォンの時計が約%(n)d分遅れているようです。"
    ],
    "For your safety this code cannot be used. Turn on automatic time, then enter a new code.": "安全のため、このコードは使用できません。時刻の自動設定をオンにしてから、新しいコードを入力してください。",
    "iPhone: Settings > General > Date & Time > turn on “Set Automatically”.": "iPhone：「設定」>「一般」>「日付と時刻」>「自動設定」をオン。",
    "Android: Settings > System > Date & time > turn on “Set time automatically”.": "Android：「設定」>「システム」>「日付と時刻」>「時刻を自動的に設定」をオン。",
    "Google Authenticator (Android): menu > Settings > Time correction for codes > Sync now.": "Google認証システム（Android）：メニュー >「設定」>「コードの時刻補正」>「今すぐ同期」。",
    "Enter the code from your authenticator app to continue.": "続けるには認証アプリのコードを入力してください。",
    "Set up an authenticator app (two-factor authentication) on the security page before withdrawing.": "出金の前に、セキュリティページで認証アプリ（2段階認証）を設定してください。",
    "This action requires a passkey. Register a passkey on the security page first.": "この操作にはパスキーが必要です。先にセキュリティページでパスキーを登録してください。",
    "Confirm with your passkey to continue.": "続けるにはパスキーで確認してください。",
    "Enter the code we sent to your phone by SMS to continue.": "続けるには、SMSでお送りしたコードを入力してください。",
    "The passkey confirmation could not be checked. Try again.": "パスキーの確認ができませんでした。もう一度お試しください。",
    "The passkey confirmation failed. Try again.": "パスキーの確認に失敗しました。もう一度お試しください。",
    "An authenticator app is already set up.": "認証アプリはすでに設定されています。",
    "No authenticator app is set up.": "認証アプリは設定されていません。",
    "Set up an authenticator app before creating recovery codes.": "リカバリーコードを作成する前に認証アプリを設定してください。",
    "madoguchi sign-in code: %(code)s (valid for 10 minutes). Never tell this code to anyone.": "madoguchi ログインコード：%(code)s（10分間有効）。このコードは誰にも教えないでください。",
    "madoguchi confirmation code: %(code)s (valid for 10 minutes). Never tell this code to anyone.": "madoguchi 確認コード：%(code)s（10分間有効）。このコードは誰にも教えないでください。",
    "madoguchi code: %(code)s (valid for 10 minutes). Never tell this code to anyone.": "madoguchi コード：%(code)s（10分間有効）。このコードは誰にも教えないでください。",
    "No phone number is registered on this account.": "このアカウントには電話番号が登録されていません。",
    "A code was sent a moment ago. Wait %(seconds)d seconds before asking for a new one.": "先ほどコードを送信しました。新しいコードは%(seconds)d秒後から再送できます。",
    "The code has expired. Request a new code.": "コードの有効期限が切れました。新しいコードを送信してください。",
    "The code is not correct. Request a new code.": "コードが正しくありません。新しいコードを送信してください。",
    "Too many wrong codes. Request a new code.": "誤ったコードの入力が多すぎます。新しいコードを送信してください。",
    "The code is not correct.": "コードが正しくありません。",
    "This code has already been used. Request a new code.": "このコードは使用済みです。新しいコードを送信してください。",
    "Use 4 to 20 letters, digits or Japanese characters.": "4〜20文字の英数字または日本語で入力してください。",
    "The request has expired. Start again.": "手続きの有効期限が切れました。最初からやり直してください。",
    "This phone number cannot be used. Contact us if you think this is a mistake.": "この電話番号は使用できません。お心当たりがない場合はお問い合わせください。",
    "Anti-phishing code changed": "フィッシング対策コードが変更されました",
    "Hello,": "いつもmadoguchiをご利用いただきありがとうございます。",
    "Your anti-phishing code was changed. From now on it appears at the end of every email we send you.": "フィッシング対策コードが変更されました。今後お送りするすべてのメールの末尾に表示されます。",
    "Your anti-phishing code was removed.": "フィッシング対策コードが削除されました。",
    "If this was not you, freeze your account at once and contact us.": "お心当たりがない場合は、すぐにアカウントを凍結し、お問い合わせください。",
    "Someone tried to use your email address": "お客様のメールアドレスが使用されようとしました",
    "Someone tried to move another madoguchi account to this email address. Nothing has changed on your "
    "account.": "別のmadoguchiアカウントのメールアドレスを、このアドレスに変更しようとする操作がありました。"
    "お客様のアカウントには何も変更はありません。",
    "If you have forgotten your password, you can reset it from the sign-in page.": "パスワードをお忘れの場合は、ログインページから再設定できます。",
    "Confirm your new email address": "新しいメールアドレスの確認",
    "Enter this code on the madoguchi security page to confirm your new email address. It is valid for 30 "
    "minutes.": "新しいメールアドレスを確認するため、madoguchiのセキュリティページで次のコードを入力してください。有効期限は30分です。",
    "If you did not ask for this, ignore this email.": "お心当たりがない場合は、このメールを破棄してください。",
    "Your email address was changed": "メールアドレスが変更されました",
    "The email address of your madoguchi account was changed to %(new_email_masked)s. We send this notice to "
    "your old address.": "madoguchiアカウントのメールアドレスが %(new_email_masked)s に変更されました。"
    "このお知らせは変更前のアドレスにお送りしています。",
    "Two-factor setting removed": "2段階認証の設定が削除されました",
    "A two-factor authentication method was removed from your account.": "お客様のアカウントから2段階認証の方法が削除されました。",
    "Two-factor authentication locked": "2段階認証がロックされました",
    "Someone entered a wrong two-factor code %(failures)s times in a row on your account, so we locked "
    "two-factor authentication. Signing in and sensitive actions such as withdrawals are blocked.": "お客様のアカウントで誤った2段階認証コードが%(failures)s回続けて入力されたため、2段階認証をロックしました。"
    "ログインと出金などの重要な操作はできません。",
    "If this was you, recover access with “I can't use my authenticator” on the sign-in page.": "お客様ご自身の操作の場合は、ログインページの「認証アプリが使えない」からアクセスを回復してください。",
    "If this was not you, your password may be known to someone else: freeze your account and change your "
    "password.": "お心当たりがない場合は、パスワードが第三者に知られている可能性があります。アカウントを凍結し、パスワードを変更してください。",
    "Passkey added": "パスキーが追加されました",
    "A passkey was added to your account.": "お客様のアカウントにパスキーが追加されました。",
    "A recovery code was used": "リカバリーコードが使用されました",
    "A recovery code was used on your account just now. Recovery codes left: %(left)s.": "先ほどお客様のアカウントでリカバリーコードが使用されました。残りのリカバリーコード：%(left)s個。",
    "New recovery codes created": "新しいリカバリーコードが作成されました",
    "New recovery codes were created for your account. The old codes no longer work.": "お客様のアカウントで新しいリカバリーコードが作成されました。以前のコードは使えなくなりました。",
    "Authenticator app turned on": "認証アプリが設定されました",
    "An authenticator app was set up for two-factor authentication on your account.": "お客様のアカウントで、2段階認証に認証アプリが設定されました。",
    "Authenticator app turned off": "認証アプリが解除されました",
    "The authenticator app was turned off on your account. Its secret key and your recovery codes no longer "
    "work.": "お客様のアカウントで認証アプリが解除されました。そのセットアップキーとリカバリーコードは使えなくなりました。",
    "Two-factor authentication unlocked": "2段階認証のロックが解除されました",
    "Two-factor authentication on your account is unlocked again.": "お客様のアカウントの2段階認証のロックが解除されました。",
    "Your phone number was changed": "電話番号が変更されました",
    "The phone number of your madoguchi account was changed to one ending in %(phone_tail)s.": "madoguchiアカウントの電話番号が、末尾 %(phone_tail)s の番号に変更されました。",
    "Two-factor authentication was removed": "2段階認証が解除されました",
    "Two-factor authentication was removed from your madoguchi account. Set up an authenticator again as "
    "soon as you can.": "madoguchiアカウントの2段階認証が解除されました。できるだけ早く認証アプリを再設定してください。",
    "If you did not ask for this, freeze your account now and contact us.": "お心当たりがない場合は、すぐにアカウントを凍結し、お問い合わせください。",
    "Before you change phones": "機種変更の前に",
    "Keep your secret key (the 16-or-more-letter key shown at setup) written down somewhere safe. It is the "
    "only way to re-create the authenticator on a new phone.": "セットアップキー（設定時に表示された16文字以上のキー）を書き留めて安全な場所に保管してください。"
    "新しいスマートフォンで認証アプリを再設定する唯一の方法です。",
    "Keep your recovery codes somewhere safe (not only on the old phone).": "リカバリーコードを安全な場所に保管してください（古いスマートフォンの中だけにしないでください）。",
    "Set up the authenticator on the new phone and check that a code works here before you reset or hand "
    "over the old phone.": "古いスマートフォンを初期化・下取りに出す前に、新しいスマートフォンで認証アプリを設定し、コードが使えることをここで確認してください。",
    "If your phone number changes too, update it on this page first.": "電話番号も変わる場合は、先にこのページで変更してください。",
    "Lost the phone already? Use “I can't use my authenticator” on the sign-in page.": "すでにスマートフォンをなくした場合は、ログインページの「認証アプリが使えない」をご利用ください。",
    "Help centre": "ヘルプセンター",
    "Send a confirmation code by SMS": "SMSで確認コードを送る",
    "Change email address": "メールアドレスの変更",
    "Change phone number": "電話番号の変更",
    "Step 1: enter the new value and a two-factor code.": "ステップ1：新しい内容と2段階認証コードを入力してください。",
    "Send a confirmation code": "確認コードを送る",
    "Step 2: enter the code we emailed to the new address.": "ステップ2：新しいメールアドレスに届いたコードを入力してください。",
    "Step 2: enter the code we sent by SMS to the new number.": "ステップ2：新しい電話番号にSMSで届いたコードを入力してください。",
    "Confirm": "確認する",
    "Back": "戻る",
    "Enter the SMS code": "SMSコードの入力",
    "We sent a 6-digit code by SMS to the phone number ending in %(phone_tail)s. It is valid for 10 minutes; "
    "only the newest code works.": "末尾 %(phone_tail)s の電話番号にSMSで6桁のコードを送りました。有効期限は10分で、最新のコードのみ使えます。",
    "Sign in": "ログイン",
    "Send a new code": "コードを再送する",
    "You can ask for a new code after %(resend_after)s seconds.": "コードの再送は%(resend_after)s秒後からできます。",
    "No SMS? Check that the phone can receive SMS from short codes and is not in flight mode.": "SMSが届かない場合は、SMSの受信拒否設定や機内モードになっていないかご確認ください。",
    "Cancel": "キャンセル",
    "Recovery codes": "リカバリーコード",
    "These codes are shown only now.": "これらのコードは今だけ表示されます。",
    "Each code works once, for signing in or recovering your account when your phone is unavailable. Keep "
    "them somewhere safe, away from your phone.": "各コードは1回だけ、スマートフォンが使えないときのログインやアカウントの回復に使えます。スマートフォンとは別の安全な場所に保管してください。",
    "Download": "ダウンロード",
    "I have saved them": "保存しました",
    "%(n)s recovery code left.": ["リカバリーコードは残り%(n)s個です。"],
    "Creating new codes makes all old codes stop working.": "新しいコードを作成すると、以前のコードはすべて使えなくなります。",
    "Create new recovery codes": "新しいリカバリーコードを作成",
    "Security": "セキュリティ",
    "Two-factor authentication is locked after too many wrong codes. Sensitive actions are blocked until you "
    "recover access.": "誤ったコードが続けて入力されたため、2段階認証はロックされています。アクセスを回復するまで重要な操作はできません。",
    "Two-factor authentication": "2段階認証",
    "On": "オン",
    "Authenticator app": "認証アプリ",
    "added %(when)s": "%(when)s に設定",
    "last used %(when)s": "最終使用 %(when)s",
    "Turn off the authenticator app": "認証アプリを解除する",
    "Off": "オフ",
    "Protect sign-in and withdrawals with an authenticator app (Google Authenticator and others).": "認証アプリ（Google認証システムなど）で、ログインと出金を守りましょう。",
    "Set up an authenticator app": "認証アプリを設定する",
    "Passkeys": "パスキー",
    "Name": "名前",
    "Added": "登録日",
    "Last used": "最終使用",
    "No passkeys registered.": "パスキーは登録されていません。",
    "Manage passkeys": "パスキーの管理",
    "A word of your choice that we show at the end of every email. An email without it is not from us.": "お客様が決めた言葉を、当社からのすべてのメールの末尾に表示します。表示のないメールは当社からのものではありません。",
    "Set": "設定済み",
    "Save": "保存する",
    "Email and phone": "メールアドレスと電話番号",
    "Email": "メールアドレス",
    "Change": "変更",
    "Phone": "電話番号",
    "Signed-in devices": "ログイン中の端末",
    "This device": "この端末",
    "End sessions": "セッションを終了する",
    "Your secret key and recovery codes will be destroyed. A key you saved earlier will never work again; "
    "turning it back on gives you a new key.": "セットアップキーとリカバリーコードは破棄されます。以前保存したキーは二度と使えません。再び設定すると新しいキーが発行されます。",
    "Turn off": "解除する",
    "Install an authenticator app (Google Authenticator, Microsoft Authenticator, IIJ SmartKey …).": "認証アプリ（Google認証システム、Microsoft Authenticator、IIJ SmartKeyなど）をインストールします。",
    "Scan this QR code with the app, or type the secret key.": "アプリでこのQRコードを読み取るか、セットアップキーを入力します。",
    "Enter the 6-digit code the app shows.": "アプリに表示された6桁のコードを入力します。",
    "QR code": "QRコード",
    "Secret key": "セットアップキー",
    "Copy": "コピー",
    "Write this secret key down and keep it somewhere safe.": "このセットアップキーを書き留めて、安全な場所に保管してください。",
    "It is the only way to re-create the authenticator on a new phone. Anyone who has it can create your "
    "codes, so never share it or store it in email.": "新しいスマートフォンで認証アプリを再設定する唯一の方法です。このキーがあれば誰でもコードを作れるため、"
    "他人に教えたりメールに保存したりしないでください。",
    "Turn on": "設定する",
    "Two-factor authentication is on.": "2段階認証を設定しました。",
    "Two-factor authentication is off. The old key and recovery codes no longer work.": "2段階認証を解除しました。以前のキーとリカバリーコードは使えなくなりました。",
    "madoguchi recovery codes (each works once). Keep them somewhere safe.": "madoguchi リカバリーコード（各コード1回のみ有効）。安全な場所に保管してください。",
    "We sent a code by SMS to your registered phone.": "登録済みの電話番号にSMSでコードを送りました。",
    "Your anti-phishing code is saved. It appears at the end of our emails.": "フィッシング対策コードを保存しました。当社からのメールの末尾に表示されます。",
    "Please correct the highlighted fields.": "入力内容をご確認ください。",
    "We sent a new code. Earlier codes no longer work.": "新しいコードを送りました。以前のコードは使えません。",
    "Saved.": "保存しました。",
    "On this phone: open in the authenticator app": "このスマートフォンで認証アプリを開く",
    "Show a different key": "別のキーを表示する",
    "You do not have permission to do this.": "この操作を行う権限がありません。",
    "Code from your authenticator app": "認証アプリのコード",
    "Confirmation code sent by SMS": "SMSで届いた確認コード",
    "I no longer have this phone number": "この電話番号はもう使っていない",
    "Unknown action.": "不明な操作です。",
    "Use your authenticator app or passkey to confirm this action.": "この操作は認証アプリまたはパスキーで確認してください。",
    "Use a passkey instead": "代わりにパスキーを使う",
    "The passkey could not be used. Enter a code instead.": "パスキーを使用できませんでした。代わりにコードを入力してください。",
    "Protect your account: set up an authenticator app on the Security page. Withdrawals are not possible "
    "until you do.": "アカウントを守るため、セキュリティページで認証アプリを設定してください。設定するまで出金はできません。",
}


def _unquote(chunk: str) -> str:
    return (
        "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', chunk))
        .encode()
        .decode("unicode_escape")
        .encode("latin-1")
        .decode("utf-8")
    )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    header, *blocks = text.split("\n\n")
    header = header.replace("#, fuzzy\n", "").replace('"Language: \\n"', '"Language: ja\\n"')
    missing: list[str] = []
    out = [header]
    for block in blocks:
        if not block.strip():
            continue
        comments = [line for line in block.splitlines() if line.startswith("#") and line != "#, fuzzy"]
        body = "\n".join(line for line in block.splitlines() if not line.startswith("#"))
        msgid = _unquote(re.search(r"msgid ((?:\".*\"\n?)+)", body).group(1))  # type: ignore[union-attr]
        plural = re.search(r"msgid_plural ((?:\".*\"\n?)+)", body)
        translation = JA.get(msgid)
        if translation is None:
            missing.append(msgid)
            out.append(block)
            continue
        lines = [*comments, f"msgid {_quote(msgid)}"]
        if plural:
            lines.append(f"msgid_plural {_quote(_unquote(plural.group(1)))}")
            value = translation[0] if isinstance(translation, list) else translation
            lines.append(f"msgstr[0] {_quote(value)}")
        else:
            assert isinstance(translation, str), msgid
            lines.append(f"msgstr {_quote(translation)}")
        out.append("\n".join(lines))
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")
    return missing


if __name__ == "__main__":
    po = Path(__file__).resolve().parent / "ja" / "LC_MESSAGES" / "django.po"
    left = fill(po)
    for item in left:
        print("untranslated:", item, file=sys.stderr)
    sys.exit(1 if left else 0)
