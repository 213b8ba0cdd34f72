# requests：本功能的消息。每个键必须在所有语言中都存在（有测试检查）。

## Statuses
request-status-new = 新建
request-status-open = 处理中
request-status-waiting-for-customer = 等待您回复
request-status-waiting-for-approval = 等待审批
request-status-resolved = 已解决
request-status-closed = 已关闭
request-status-cancelled = 已取消

## Mails
mail-request-created-subject = [{ $reference }] 我们已收到您的申请：{ $subject }
mail-request-created-body = { $name }，您好：

    感谢您的申请“{ $subject }”（{ $type }），我们已经收到。编号为 { $reference }。

    您可以在这里查看进度、回复或添加文件：
    { $link }
mail-request-reply-subject = [{ $reference }] 新回复：{ $subject }
mail-request-reply-body = { $name }，您好：

    您的申请 { $reference } 有一条新回复：

    { $reply }

    请在这里回复或查看申请：
    { $link }
mail-request-status-subject = [{ $reference }] { $status }：{ $subject }
mail-request-status-body = { $name }，您好：

    您的申请 { $reference }（“{ $subject }”）当前状态：{ $status }。

    详情请见：
    { $link }

## Catalogue
request-catalog-title = 申请服务
request-catalog-intro = 请选择您需要办理的事项。每种申请只询问必要的信息，提交后可以随时查看进度。
request-catalog-search = 查找申请类型
request-catalog-empty = 目前还没有可以申请的事项。
request-catalog-nothing = 没有与“{ $query }”相符的申请类型。
request-catalog-all = 显示全部申请类型
request-catalog-other = 其他申请

## The form
request-subject = 主题
request-subject-hint = 请用几个词说明您需要什么。
request-form-unverified = 请先确认您的电子邮箱（我们已向您发送链接），然后才能提交申请。
request-form-suggestions = 以下文章也许能解答您的问题：
request-form-choose = 请选择…
request-form-kept = 已上传
request-form-submit = 提交申请
request-form-only-if = 仅当“{ $field }”为“{ $value }”时填写。
request-form-ticked = 已勾选
request-form-not-ticked = 未勾选
request-form-yes = 是
request-form-step = 第 { $step } 步，共 { $steps } 步
request-form-next = 下一步
request-form-back = 上一步
request-form-draft = 提交之前，您填写的内容会保存在本设备上。

## Lists
request-list-title = 我的申请
request-list-new = 新建申请
request-list-filter = 显示申请
request-filter-all = 全部
request-filter-open = 处理中
request-filter-waiting = 等待我回复
request-filter-resolved = 已解决
request-filter-requester = 提交人
request-filter-requester-all = 我能看到的所有人
request-filter-requester-me = 我
request-filter-show = 显示
request-list-none = 这里还没有申请。
request-list-more = 更多
request-updated = 更新于 { $time }
request-queue-title = 申请队列
request-queue-status = 状态
request-queue-type = 类型
request-queue-apply = 显示
request-queue-none = 没有符合条件的申请。
request-queue-updated = 更新时间
request-reference = 编号

## A request
request-timeline = 处理记录
request-internal = 内部
request-someone = 某人
request-event-created = 提交了申请。
request-event-status = 状态变更为：
request-event-assigned = 接手了此申请。
request-event-rating = 评分 { $score }（满分 5 分）。
request-reply = 回复
request-reply-body = 您的留言
request-reply-files = 附件
request-reply-internal = 内部备注（仅客服可见）
request-reply-send = 发送
request-answers = 申请详情
request-actions = 您可以
request-confirm = 是的，问题已解决
request-reopen = 尚未解决：重新打开
request-cancel = 取消申请
request-assign-self = 接手
request-move-to = 变更为
request-move = 变更
request-rate = 您的评价
request-rate-score = 您对这次服务满意吗？
request-rate-stars = { $count } 星
request-rate-comment = 评语
request-rate-send = 提交评价
request-done-created = 谢谢！我们已收到您的申请，有进展时会通过电子邮件通知您。
request-done-replied = 您的留言已添加。
request-done-moved = 状态已变更。
request-done-rated = 感谢您的评价。
request-done-assigned = 您已接手此申请。
field-error-out-of-range = 超出允许的范围。
field-error-too-short = 内容太短。
field-error-too-few = 请多选几项。
field-error-too-many = 选择的数量太多。
field-error-not-in-form = 此表单没有该字段。
field-error-fields-photo-not-found = 请重新上传文件。
field-error-score-out-of-range = 请选择 1 到 5 星。
field-error-score-conflict = 此申请已评价过，或尚未解决。
field-error-request-conflict = 此申请已关闭，请新建申请。
field-error-to-conflict = 目前无法进行此操作。
field-error-type-not-found = 此申请类型不可用。

## Catalogue administration
catalog-admin-title = 申请类型
catalog-admin-intro = 客户可以申请的事项及其表单。修改表单会生成新版本；已提交的申请保留原来的版本。
catalog-new = 新建申请类型
catalog-edit = 修改申请类型
catalog-saved = 申请类型已保存。
catalog-name = 名称
catalog-key = 标识
catalog-key-hint = 小写字母、数字、- 和 _；保存后不能更改。
catalog-version = 表单版本
catalog-active = 提供
catalog-active-yes = 提供中
catalog-active-no = 未提供
catalog-active-label = 在申请目录中提供
catalog-about = 基本信息
catalog-description = 说明
catalog-group = 目录分组
catalog-audience = 谁可以申请
catalog-audience-everyone = 所有人
catalog-audience-customers = 已登录的客户
catalog-audience-organizations = 指定组织的成员
catalog-organizations = 组织
catalog-organizations-hint = 填写组织编号，用逗号分隔（用于“指定组织的成员”）。
catalog-sections = 步骤
catalog-sections-hint = 字段可以分组为步骤；在手机上每个步骤占一页。
catalog-section = 步骤
catalog-title = 标题
catalog-add-section = 添加步骤
catalog-fields = 字段
catalog-field = 字段
catalog-type = 类型
catalog-type-text = 文本（单行）
catalog-type-textarea = 文本（多行）
catalog-type-number = 数字
catalog-type-money = 金额
catalog-type-date = 日期
catalog-type-select = 单选
catalog-type-multiselect = 多选
catalog-type-checkbox = 勾选框
catalog-type-email = 电子邮箱
catalog-type-phone = 电话号码
catalog-type-file = 文件
catalog-type-reference = 编号（订单号或申请编号）
catalog-label = 标签
catalog-help = 帮助文字
catalog-required = 必填
catalog-options = 选项
catalog-options-hint = 每行一项：值 | English | 中文
catalog-min = 最小值（数字、日期或数量）
catalog-max = 最大值（数字、日期或数量）
catalog-max-length = 最多字符数
catalog-pattern = 格式（正则表达式）
catalog-currency = 币种（如 CNY）
catalog-when-field = 仅当此字段……
catalog-when-value = ……的答案为（多个值用逗号分隔）
catalog-always = （始终显示）
catalog-up = 上移
catalog-down = 下移
catalog-remove = 删除
catalog-new-field = 新字段类型
catalog-add-field = 添加字段
catalog-preview = 预览
catalog-preview-hint = 客户看到的表单（在这里不会提交）。
request-live-updated = 申请有更新，请查看“处理记录”中的最新内容。
mail-request-customer-reply-subject = [{ $reference }] 客户已回复：{ $subject }
mail-request-customer-reply-body = { $name }，您好：

    您接手的申请 { $reference }（“{ $subject }”）的申请人回复了：

    { $reply }

    请在这里回复：
    { $link }
request-status-waiting-for-customer-staff = 等待客户回复
