# account：注册、邮箱验证、密码重置、邀请、个人资料、安全页面以及账号相关邮件。
# 每个键必须在所有语言中都存在（有测试检查）。

## Shared fields
field-name = 姓名
field-optional = （选填）
field-phone = 电话号码
field-phone-hint = 如您身在国外，请填写国家/地区代码，例如 +86 21 5555 0100。
field-address = 邮寄地址
field-language = 语言
field-time-zone = 时区
field-time-zone-hint = 本网站上的时间将按此时区显示。
field-time-zone-none = UTC（未设置）
field-new-email = 新邮箱地址
field-new-email-hint = 我们会向新地址发送一个链接，您打开该链接后更改才会生效。
field-current-password = 当前密码
field-new-password = 新密码
password-hint = 至少 10 个字符。由几个互不相关的词语组成的密码既安全又好记。
form-error-summary = 请更正以下问题：

## Field errors (by code, and by field and code)
field-error-required = 此项为必填项。
field-error-too-long = 内容过长。
field-error-invalid-format = 格式不正确。
field-error-invalid-choice = 请从选项中选择一项。
field-error-conflict = 该值已被使用。
field-error-email-invalid-format = 请输入有效的电子邮件地址，例如 name@example.com。
field-error-email-required = 请输入您的电子邮件地址。
field-error-email-conflict = 使用该电子邮件地址的账号已存在。请直接登录，或重置密码。
field-error-new-email-conflict = 该地址已被其他账号使用。
field-error-new-email-unchanged = 这已经是您当前的地址。
field-error-new-email-invalid-format = 请输入有效的电子邮件地址，例如 name@example.com。
field-error-name-required = 请输入姓名。
field-error-name-too-long = 姓名最多 120 个字符。
field-error-phone-invalid-format = 请使用数字，如有需要可包含 +、空格、连字符和括号。
field-error-phone-too-long = 电话号码最多 32 个字符。
field-error-address-too-long = 地址最多 500 个字符。
field-error-time-zone-invalid-choice = 请从列表中选择一个时区。
field-error-current-password-required = 请输入您的当前密码。
field-error-current-password-wrong-password = 当前密码不正确。
field-error-password-required = 请输入密码。
field-error-new-password-required = 请输入新密码。
field-error-role-conflict = 这是最后一位有效的管理员。请先将其他人设为管理员。
field-error-status-conflict = 这是最后一位有效的管理员。请先将其他人设为管理员。
field-error-domains-conflict = 其中某个域名已属于另一个组织。
field-error-domains-invalid-format = 域名格式应类似 acme.example。
field-error-user-not-found = 没有使用该电子邮件地址的账号。
field-error-user-id-conflict = 负责人不能移除自己，请联系管理员。
field-error-organization-id-not-found = 该组织不存在。
field-error-name-conflict = 您的令牌数量已达上限（50 个）。请先撤销一个令牌。
field-error-expires-in-days-out-of-range = 令牌有效期须在 1 到 3650 天之间。
field-error-cursor-invalid = 此页面链接已过期。
field-error-actor-invalid = 请使用用户编号指定用户。
field-error-user-invalid = 请使用用户编号指定用户。
field-error-since-invalid-format = 请输入日期，例如 2026-12-01。
field-error-until-invalid-format = 请输入日期，例如 2026-12-01。

## Password strength (the estimate's findings)
password-too-short = { $count ->
    [one] 密码至少需要 { $count } 个字符。
   *[other] 密码至少需要 { $count } 个字符。
}
password-too-long = 密码过长。
password-blank = 密码不能只包含空格。
password-weak = 此密码很容易被猜到。
password-warn-keyboard = 键盘上的连续按键很容易被猜到。
password-warn-repeats = 重复的字符很容易被猜到。
password-warn-common = 这是最常见的密码之一。
password-warn-similar = 它与某个常见密码非常相似。
password-warn-sequence = 类似 abc 或 123 的序列很容易被猜到。
password-warn-dates = 日期和年份很容易被猜到。
password-warn-word = 单个词语很容易被猜到。
password-warn-names = 姓名很容易被猜到。
password-hint-add-words = 建议改用三四个互不相关的词语。
password-hint-substitutions = 在常见词语中加入大写字母、数字和符号作用不大，请再多加几个词语。
password-hint-repeats = 避免使用重复的词语、字符和序列。
password-hint-dates = 避免使用与您相关的日期和年份。

## Sign-up
signup-title = 注册账号
signup-intro = 注册账号后，您可以提交申请、跟踪处理进度，并随时更新您的个人信息。
signup-submit = 注册账号
signup-have-account = 已有账号？请登录

## Verification
verify-banner = 请确认您的电子邮件地址：我们已向 { $email } 发送了一个链接。确认之前，您可以浏览本站，但无法提交申请。
verify-banner-resend = 重新发送链接
verify-done-title = 邮箱地址已确认
verify-done-body = 谢谢！您的电子邮件地址已确认，现在可以提交申请了。
verify-done-action = 前往帮助中心

## Mailed links
link-used-title = 此链接已被使用
link-used-body = 每个链接只能使用一次。如仍需执行此操作，请申请新的链接。
link-expired-title = 此链接已过期
link-expired-body = 为保障您的安全，链接会在一段时间后失效。请申请新的链接。
link-invalid-title = 此链接无效
link-invalid-body = 请确认您打开的是邮件中的完整链接。如果仍然无效，请申请新的链接。
link-verify-again = 发送新的确认链接
link-reset-again = 申请新的重置链接

## Forgotten password
login-forgot = 忘记密码？
login-sign-up = 注册账号
forgot-title = 重置密码
forgot-intro = 请输入您账号的电子邮件地址。我们会向您发送一个用于设置新密码的链接。
forgot-submit = 发送重置链接
forgot-sent-title = 请查收邮件
forgot-sent-body = 如果有账号使用该地址，我们已向其发送了重置密码的链接。该链接在一小时内有效。如未收到，请检查垃圾邮件文件夹。
reset-title = 设置新密码
reset-intro = 请为 { $email } 设置新密码。您在其他所有设备上的登录将被退出。
reset-submit = 保存新密码
invite-title = 欢迎
invite-intro = { $name }，您好！请设置密码以完成账号设置。
invite-submit = 设置密码并登录

## Profile
nav-profile = 个人资料
nav-security = 安全
nav-sign-up = 注册账号
nav-my-organization = 组织成员
account-nav-label = 账号页面
profile-title = 您的个人资料
profile-intro = 您的个人信息、语言偏好，以及您希望接收我们哪些邮件。
profile-details = 个人信息
profile-save = 保存更改
profile-notifications = 在以下情况时给我发送邮件
notify-replies = 有人回复了我的申请
notify-status = 我的申请状态发生变化
notify-announcements = 帮助中心发布新消息
notify-security-always = 安全相关邮件（例如密码更改通知）始终会发送。
profile-organizations = 您所属的组织
profile-manage-members = 管理成员
profile-email = 邮箱地址
profile-email-current = 您的地址是 { $email }。
profile-email-verified = 已确认
profile-email-unverified = 尚未确认
profile-email-submit = 更改邮箱地址
profile-password = 密码
profile-password-intro = 更改密码后，您在其他所有设备上的登录都将被退出。
profile-password-submit = 更改密码
email-changed-title = 邮箱地址已更改
email-changed-body = 您的账号现已使用新地址。我们已将此更改通知您的旧地址。
email-taken-title = 该地址已被占用
email-taken-body = 在此期间已有其他账号开始使用该地址。请选择其他地址。

## Notices after an action
notice-saved = 您的更改已保存。
notice-password-changed = 您的密码已更改。其他所有设备均已退出登录。
notice-email-sent = 我们已向您的新地址发送了一个链接。请打开该链接以完成更改。
notice-email-verified = 您的电子邮件地址已确认。
notice-verification-resent = 我们已向您发送了新的确认链接。
notice-session-ended = 该设备已退出登录。
notice-other-sessions-ended = 其他所有设备均已退出登录。
notice-token-revoked = 令牌已撤销，并立即失效。
notice-invited = 邀请已发送。
notice-member-removed = 成员已移除。
notice-created = 已创建。
notice-password-reset = 您的新密码已保存，其他所有设备均已退出登录。
notice-welcome = 欢迎！您的账号已准备就绪。我们已向您发送了确认电子邮件地址的链接。

## Security page
security-title = 安全
security-intro = 您当前登录的位置、账号的近期登录记录，以及应用程序的密钥。
security-sessions = 当前登录的位置
security-unknown-device = 未知设备或应用
security-device = 设备
security-ip = IP 地址
security-last-seen = 最近活动
security-actions = 操作
security-this-device = 本设备
security-sign-out-this = 退出登录
security-sign-out-others = 退出其他所有设备
security-attempts = 近期登录尝试
security-attempts-none = 暂无登录尝试。
security-when = 时间
security-outcome = 结果
security-outcome-succeeded = 已登录
security-outcome-failed = 失败
security-outcome-locked = 已锁定
security-tokens = API 令牌
security-tokens-intro = 令牌可让应用程序和脚本通过 API 以您的身份执行操作。请像对待密码一样妥善保管。
security-token-made = 这是您的新令牌。请立即复制：它只会显示这一次。
security-token-name = 名称
security-token-scope = 权限范围
security-token-all = 您可执行的所有操作
security-token-scope-read = 只读：可查看您能看到的所有内容，不能修改
security-token-scope-portal = 帮助中心（您的申请和个人信息）
security-token-scope-queue = 申请队列
security-token-scope-admin = 管理
security-token-last-used = 最近使用
security-token-never = 从未使用
security-token-expires = 到期时间
security-token-no-expiry = 撤销时失效
security-token-revoke = 撤销
security-token-new = 新建令牌
security-token-days = 有效天数
security-token-create = 创建令牌

## Account mails
mail-footer = 您收到此邮件，是因为您在 { $portal } 拥有账号。如果这封邮件出乎您的意料，您可以忽略它，或回复告知我们。
mail-verify-subject = 请确认您在 { $portal } 的电子邮件地址
mail-verify-body = { $name }，您好：

    请打开以下链接，确认您的电子邮件地址：
    { $link }

    该链接在 24 小时内有效。
mail-reset-subject = 重置您在 { $portal } 的密码
mail-reset-body = { $name }，您好：

    有人（希望是您本人）申请重置您账号的密码。如需设置新密码，请打开以下链接：
    { $link }

    该链接在一小时内有效。如果您没有提出此申请，请忽略此邮件：您的密码将保持不变。
mail-invite-subject = 您受邀加入 { $portal }
mail-invite-body = { $name }，您好：

    { $inviter } 邀请您加入 { $portal }。如接受邀请，请在此设置密码：
    { $link }

    该链接在 7 天内有效。
mail-locked-subject = 您在 { $portal } 的账号已暂停登录
mail-locked-body = { $name }，您好：

    您的账号登录失败次数过多，因此登录已暂停 { $minutes } 分钟。

    如果是您本人操作，请稍后再试，或立即重置密码以马上登录：
    { $link }

    如果不是您本人操作，您的账号仍然安全，但我们仍建议您重置密码。
mail-change-email-subject = 请确认您在 { $portal } 的新电子邮件地址
mail-change-email-body = { $name }，您好：

    您申请将账号的电子邮件地址从 { $old_email } 更改为 { $new_email }。如需确认，请打开以下链接：
    { $link }

    该链接在 24 小时内有效。确认之前，您的账号将继续使用原地址。
mail-email-changed-subject = 您在 { $portal } 的电子邮件地址已更改
mail-email-changed-body = { $name }，您好：

    您账号的电子邮件地址已从 { $old_email } 更改为 { $new_email }。今后我们将发送邮件至新地址。

    如果此更改并非您本人所为，请立即重置密码并联系我们：
    { $link }
mail-password-changed-subject = 您在 { $portal } 的密码已更改
mail-password-changed-body = { $name }，您好：

    您账号的密码刚刚已更改，其他所有设备均已退出登录。

    如果这不是您本人的操作，请立即重置密码：
    { $link }
