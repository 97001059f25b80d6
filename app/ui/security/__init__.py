"""安全审计: audit viewer, security settings, idle lock."""
