"""Sign-in and account dialogs (first administrator, login, add user, passwords)."""
