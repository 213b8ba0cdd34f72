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
