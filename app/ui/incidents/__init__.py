"""突发事件 area: incidents, the report chain and deadline clocks (``page`` registers it)."""
