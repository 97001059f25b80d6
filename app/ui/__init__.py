"""Qt widgets. Qt names come only from ``app.ui.qt``; forms are compiled from ``forms/*.ui``
into ``app.ui.forms``; slow work goes through ``app.ui.kit.worker.run_task``; areas add their page
through ``app.ui.pages``."""
