# identity: messages of this feature. Every key must exist in every language (a test checks).

## Sign in
login-title = Sign in
login-intro = Sign in to follow your requests and manage your details.
login-email-label = Email address
login-password-label = Password
login-submit = Sign in
login-error-invalid = The email address or password is incorrect. Check them and try again.
login-error-missing = Enter both your email address and your password.
login-error-locked-seconds = Too many sign-in attempts for this address. { $count ->
    [one] Wait a second, then try again.
   *[other] Wait { $count } seconds, then try again.
}
login-error-locked-minutes = Too many sign-in attempts for this address. { $count ->
    [one] Wait a minute, then try again.
   *[other] Wait { $count } minutes, then try again. If you have forgotten your password, ask us to reset it.
}
login-demo-note = Demo users are printed in the server log when the server is started with
login-error-second-factor = This account needs a second sign-in step that is not set up on this portal. Please contact support.
