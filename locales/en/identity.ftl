# identity: messages of this feature. Every key must exist in every language (a test checks).

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
login-error-second-factor = This account needs a second sign-in step that is not set up on this portal. Please contact support.
