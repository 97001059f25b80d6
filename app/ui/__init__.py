"""Qt widgets. Qt names come only from ``app.ui.qt``; forms are compiled from ``forms/*.ui``
into ``app.ui.forms``; the common things — the message line, background work with progress and
取消, non-blocking questions, the save-path chooser, form rows — come from ``app.ui.kit``; areas
add their page through ``app.ui.pages``."""
