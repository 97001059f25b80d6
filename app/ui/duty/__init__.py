"""值班 page: roster (calendar grid, generate, edit, swap, publish), staff, duty log, handover and
the now-on-duty panel. Every action goes through ``app.services.duty.roster`` (permissions, audit)."""
