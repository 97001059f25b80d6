"""收文 (incoming register) page, its lazy model and dialogs."""
