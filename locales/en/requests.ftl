# requests: messages of this feature. Every key must exist in every language (a test checks).

## Statuses
request-status-new = New
request-status-open = Open
request-status-waiting-for-customer = Waiting for you
request-status-waiting-for-approval = Waiting for approval
request-status-resolved = Resolved
request-status-closed = Closed
request-status-cancelled = Cancelled

## Mails
mail-request-created-subject = [{ $reference }] We have your request: { $subject }
mail-request-created-body = Hello { $name },

    Thank you: we have your request “{ $subject }” ({ $type }). Its reference is { $reference }.

    Follow it, reply or add files here:
    { $link }
mail-request-reply-subject = [{ $reference }] New reply: { $subject }
mail-request-reply-body = Hello { $name },

    There is a new reply to your request { $reference }:

    { $reply }

    Answer or follow the request here:
    { $link }
mail-request-status-subject = [{ $reference }] { $status }: { $subject }
mail-request-status-body = Hello { $name },

    Your request { $reference } (“{ $subject }”) is now: { $status }.

    See the details here:
    { $link }
