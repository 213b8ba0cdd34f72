# account: sign-up, verification, password reset, invitations, profile, security page, and the account
# mails. Every key must exist in every language (a test checks).

## Shared fields
field-name = Name
field-optional = (optional)
field-phone = Phone number
field-phone-hint = Include the country code if you are abroad, e.g. +86 21 5555 0100.
field-address = Postal address
field-language = Language
field-time-zone = Time zone
field-time-zone-hint = Times on this site are shown in this time zone.
field-time-zone-none = UTC (not set)
field-new-email = New e-mail address
field-new-email-hint = We send a link to the new address; the change happens when you open it.
field-current-password = Current password
field-new-password = New password
password-hint = At least 10 characters. A few unrelated words make a strong password that is easy to remember.
form-error-summary = Please correct the following:

## Field errors (by code, and by field and code)
field-error-required = This field is required.
field-error-too-long = This is too long.
field-error-invalid-format = This is not in the expected format.
field-error-invalid-choice = Choose one of the options.
field-error-conflict = This is already in use.
field-error-email-invalid-format = Enter an e-mail address such as name@example.com.
field-error-email-required = Enter your e-mail address.
field-error-email-conflict = An account with this e-mail address already exists. Sign in, or reset your password.
field-error-new-email-conflict = Another account uses this address.
field-error-new-email-unchanged = This is already your address.
field-error-new-email-invalid-format = Enter an e-mail address such as name@example.com.
field-error-name-required = Enter a name.
field-error-name-too-long = A name has at most 120 characters.
field-error-phone-invalid-format = Use digits, and if needed +, spaces, dashes and brackets.
field-error-phone-too-long = A phone number has at most 32 characters.
field-error-address-too-long = An address has at most 500 characters.
field-error-time-zone-invalid-choice = Choose a time zone from the list.
field-error-current-password-required = Enter your current password.
field-error-current-password-wrong-password = Your current password is not right.
field-error-password-required = Enter a password.
field-error-new-password-required = Enter a new password.
field-error-role-conflict = This is the last active administrator. Make someone else an administrator first.
field-error-status-conflict = This is the last active administrator. Make someone else an administrator first.
field-error-domains-conflict = One of these domains already belongs to another organisation.
field-error-domains-invalid-format = A domain looks like acme.example.
field-error-user-not-found = No account has this e-mail address.
field-error-user-id-conflict = Managers cannot remove themselves. Ask an administrator.
field-error-organization-id-not-found = This organisation does not exist.
field-error-name-conflict = You already have the most tokens allowed (50). Revoke one first.
field-error-expires-in-days-out-of-range = A token lasts between 1 and 3650 days.
field-error-cursor-invalid = This page link is out of date.
field-error-actor-invalid = A user is named by their number.
field-error-user-invalid = A user is named by their number.
field-error-since-invalid-format = Enter a date such as 2026-12-01.
field-error-until-invalid-format = Enter a date such as 2026-12-01.

## Password strength (the estimate's findings)
password-too-short = { $count ->
    [one] A password needs at least { $count } character.
   *[other] A password needs at least { $count } characters.
}
password-too-long = This password is too long.
password-blank = A password cannot be only spaces.
password-weak = This password would be easy to guess.
password-warn-keyboard = Keyboard patterns are easy to guess.
password-warn-repeats = Repeated characters are easy to guess.
password-warn-common = It is one of the most common passwords.
password-warn-similar = It is very like a common password.
password-warn-sequence = Sequences like abc or 123 are easy to guess.
password-warn-dates = Dates and years are easy to guess.
password-warn-word = A single word is easy to guess.
password-warn-names = Names are easy to guess.
password-hint-add-words = Use three or four unrelated words instead.
password-hint-substitutions = Capitals, digits and symbols in a familiar word do not help much; add more words.
password-hint-repeats = Avoid repeated words, characters and sequences.
password-hint-dates = Avoid dates and years that are linked to you.

## Sign-up
signup-title = Create an account
signup-intro = With an account you can submit requests, follow their progress and keep your details up to date.
signup-submit = Create account
signup-have-account = Already have an account? Sign in

## Verification
verify-banner = Please confirm your e-mail address: we sent a link to { $email }. Until then you can look around, but you cannot submit requests.
verify-banner-resend = Send the link again
verify-done-title = E-mail address confirmed
verify-done-body = Thank you. Your e-mail address is confirmed, and you can now submit requests.
verify-done-action = Go to the help centre

## Mailed links
link-used-title = This link has already been used
link-used-body = Each link works once. If you still need to do this, ask for a new link.
link-expired-title = This link has expired
link-expired-body = For your security, links stop working after a while. Ask for a new one.
link-invalid-title = This link does not work
link-invalid-body = Check that you opened the whole link from the mail. If it still does not work, ask for a new one.
link-verify-again = Send a new confirmation link
link-reset-again = Ask for a new reset link

## Forgotten password
login-forgot = Forgotten your password?
login-sign-up = Create an account
forgot-title = Reset your password
forgot-intro = Enter the e-mail address of your account. We will send you a link to choose a new password.
forgot-submit = Send reset link
forgot-sent-title = Check your e-mail
forgot-sent-body = If an account uses that address, we have sent it a link to reset the password. The link works for one hour. Check your spam folder if nothing arrives.
reset-title = Choose a new password
reset-intro = Choose a new password for { $email }. You will be signed out everywhere else.
reset-submit = Save new password
invite-title = Welcome
invite-intro = Hello { $name }, choose a password to finish setting up your account.
invite-submit = Set password and sign in

## Profile
nav-profile = Profile
nav-security = Security
nav-sign-up = Create account
nav-my-organization = Organisation members
account-nav-label = Account pages
profile-title = Your profile
profile-intro = Your details, your language and which e-mails you get from us.
profile-details = Your details
profile-save = Save changes
profile-notifications = E-mail me when
notify-replies = someone replies to one of my requests
notify-status = one of my requests changes status
notify-announcements = there is news from the help centre
notify-security-always = Security e-mails (such as password changes) are always sent.
profile-organizations = Your organisations
profile-manage-members = manage members
profile-email = E-mail address
profile-email-current = Your address is { $email }.
profile-email-verified = Confirmed
profile-email-unverified = Not confirmed yet
profile-email-submit = Change e-mail address
profile-password = Password
profile-password-intro = Changing your password signs you out on every other device.
profile-password-submit = Change password
email-changed-title = E-mail address changed
email-changed-body = Your account now uses the new address. We told your old address about the change.
email-taken-title = This address is taken
email-taken-body = Another account started using this address in the meantime. Choose a different one.

## Notices after an action
notice-saved = Your changes are saved.
notice-password-changed = Your password is changed. Every other device has been signed out.
notice-email-sent = We sent a link to your new address. Open it to finish the change.
notice-email-verified = Your e-mail address is already confirmed.
notice-verification-resent = We sent you a new confirmation link.
notice-session-ended = That device is signed out.
notice-other-sessions-ended = Every other device is signed out.
notice-token-revoked = The token is revoked and stops working at once.
notice-invited = The invitation is on its way.
notice-member-removed = The member is removed.
notice-created = Created.
notice-password-reset = Your new password is saved, and every other device is signed out.
notice-welcome = Welcome! Your account is ready. We sent you a link to confirm your e-mail address.

## Security page
security-title = Security
security-intro = Where you are signed in, recent sign-ins to your account, and keys for apps.
security-sessions = Where you are signed in
security-unknown-device = Unknown device or app
security-device = Device
security-ip = IP address
security-last-seen = Last active
security-actions = Actions
security-this-device = This device
security-sign-out-this = Sign out
security-sign-out-others = Sign out everywhere else
security-attempts = Recent sign-in attempts
security-attempts-none = No sign-in attempts yet.
security-when = When
security-outcome = Outcome
security-outcome-succeeded = Signed in
security-outcome-failed = Failed
security-outcome-locked = Locked
security-tokens = API tokens
security-tokens-intro = Tokens let apps and scripts act as you through the API. Treat them like passwords.
security-token-made = Here is your new token. Copy it now: it is shown only this once.
security-token-name = Name
security-token-scope = Access
security-token-all = Everything you can do
security-token-scope-read = Read only: everything you can see, no changes
security-token-scope-portal = Help centre (your requests and details)
security-token-scope-queue = Request queue
security-token-scope-admin = Administration
security-token-last-used = Last used
security-token-never = Never
security-token-expires = Expires
security-token-no-expiry = When revoked
security-token-revoke = Revoke
security-token-new = New token
security-token-days = Days until it expires
security-token-create = Create token

## Account mails
mail-footer = You get this e-mail because of your account at { $portal }. If you did not expect it, you can ignore it, or reply to let us know.
mail-verify-subject = Confirm your e-mail address for { $portal }
mail-verify-body = Hello { $name },

    Please confirm your e-mail address by opening this link:
    { $link }

    The link works for 24 hours.
mail-reset-subject = Reset your password for { $portal }
mail-reset-body = Hello { $name },

    Someone (hopefully you) asked to reset the password of your account. To choose a new password, open this link:
    { $link }

    The link works for one hour. If you did not ask for this, ignore this e-mail: your password stays as it is.
mail-invite-subject = You are invited to { $portal }
mail-invite-body = Hello { $name },

    { $inviter } invited you to { $portal }. To accept, choose a password here:
    { $link }

    The link works for 7 days.
mail-locked-subject = Sign-in to your { $portal } account is paused
mail-locked-body = Hello { $name },

    There were too many failed attempts to sign in to your account, so signing in is paused for { $minutes } minutes.

    If this was you, wait and try again, or reset your password now to sign in at once:
    { $link }

    If it was not you, your account is safe: resetting your password is still a good idea.
mail-change-email-subject = Confirm your new e-mail address for { $portal }
mail-change-email-body = Hello { $name },

    You asked to change the e-mail address of your account from { $old_email } to { $new_email }. To confirm, open this link:
    { $link }

    The link works for 24 hours. Until then your account keeps its old address.
mail-email-changed-subject = Your e-mail address at { $portal } was changed
mail-email-changed-body = Hello { $name },

    The e-mail address of your account was changed from { $old_email } to { $new_email }. From now on we will write to the new address.

    If you did not make this change, reset your password at once and contact us:
    { $link }
mail-password-changed-subject = Your password at { $portal } was changed
mail-password-changed-body = Hello { $name },

    The password of your account was just changed, and every other device was signed out.

    If you did not do this, reset your password at once:
    { $link }
