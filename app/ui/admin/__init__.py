"""系统管理: user accounts and the audit log."""
