"""会议纪要 area: meetings list, a meeting's page (attendance, topics, decisions, the 纪要) and the
督办 board across meetings. Registers the ``minutes`` page (see ``app.ui.minutes.page``)."""
