"""The UI kit: the one way each page does the common things."""
