# Portico — English messages. Every key here must also exist in locales/zh-CN/main.ftl.

## Layout

skip-link = Skip to main content
nav-label = Account
nav-sign-in = Sign in
nav-sign-out = Sign out
nav-signed-in-as = Signed in as { $name }
lang-switch-label = Choose language
footer-nav-label = More links
footer-api-docs = API documentation

## Roles

role-customer = Customer
role-agent = Support agent
role-admin = Administrator

## Home

home-title = Home
home-search-label = How can we help?
home-search-hint = Describe what you need in a few words, for example “track my order” or “change my address”.
home-search-button = Search
home-tasks-heading = Popular tasks
home-tasks-empty = No tasks have been set up yet. Use the search above to find help.
home-requests-heading = Your open requests
home-requests-empty-title = You have no open requests
home-requests-empty-body = When you submit a request, it will appear here so you can follow its progress and reply.

## Errors

error-not-found-title = Page not found
error-not-found-body = The page you’re looking for doesn’t exist or has moved. Check the address, or search for what you need.
error-internal-title = Something went wrong
error-internal-body = We couldn’t complete your request because of a problem on our side. Please try again in a few moments.
error-bad-request-title = We couldn’t process that request
error-bad-request-body = Something in the request wasn’t as expected. Go back, check what you entered and try again.
error-forbidden-title = You don’t have access to this page
error-forbidden-body = Sign in with an account that has access, or go back to the home page.
error-method-title = That action isn’t available here
error-method-body = This page can’t be used that way. Go back and try again using the links and buttons on the page.
error-too-large-title = That’s too large to send
error-too-large-body = What you sent is larger than we accept. Try a smaller file, or send less at once.
error-reference = Reference: { $id }
error-reference-help = If you contact us about this, please quote this reference.
error-home-link = Go to the home page
error-search-link = Search for help

## Sign in

login-title = Sign in
login-intro = Sign in to follow your requests and manage your details.
login-email-label = Email address
login-password-label = Password
login-submit = Sign in
login-error-invalid = The email address or password is incorrect. Check them and try again.
login-error-missing = Enter both your email address and your password.
login-error-locked = Too many sign-in attempts. Please wait a few minutes, then try again.
login-demo-note = Demo users are printed in the server log when the server is started with

## API documentation

api-docs-title = API documentation
api-docs-version = Version { $version }
api-docs-intro = This reference is generated from the OpenAPI document, so it always matches the running server.
api-docs-openapi-link = Download the OpenAPI document (JSON)
api-docs-contents = Operations
api-docs-tags = Tags
api-docs-responses = Responses
api-docs-status = Status
api-docs-description = Description
api-docs-empty = No operations are documented yet.
api-docs-back = Back to the list of operations

## Search
search-title = Search
search-results-title = Results for “{ $query }”
search-results-count = { $count ->
    [one] 1 result
   *[other] { $count } results
}
search-empty-title = Nothing matched “{ $query }”.
search-empty-body = Try fewer or different words, or start from one of the tasks below.
search-suggestions-heading = Popular tasks
search-kind-task = Task
