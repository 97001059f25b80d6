"""公文 page: the document list (lazy, 100 000 rows), the editor with live preview, proofreading,
workflow and versions, the 发文字号 register, print and export."""
