"""公文值守台 GovDesk: an offline desk for official documents, minutes, duty and incidents."""

__version__ = "0.1.0"
APP_NAME = "公文值守台"
APP_ID = "GovDesk"
