# errors: messages of this feature. Every key must exist in every language (a test checks).

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
