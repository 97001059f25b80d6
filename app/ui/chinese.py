"""Qt's own widgets in Chinese: the gaps of Qt's translation catalogue, and Chinese date forms.

``qtbase_zh_CN.qm`` (shipped in PySide6's wheel and in the bundle, loaded by
``application.install_translations``) predates some Qt 6 strings that only gained a mnemonic (after
the 6.8 LTS line, which still shows the plain forms, translated as they are):
the file dialog's ``&Look in:`` and ``Files of &type:``, the print dialog's ``Page &Set:``. Their
old forms (``Look in:`` …) are translated, so ``MnemonicFallback`` answers such a string from the
old form and adds the mnemonic the way the catalogue writes it (``查找范围(&L)：``).

Date and time editors show ``2026年12月6日`` (``yyyy年M月d日``), not the locale's short form
(``2026/12/6``) or the C locale's (``6 12 2026``); their calendar pop-up speaks Chinese.
"""

from __future__ import annotations

from app.ui.qt import QDateEdit, QDateTimeEdit, QLocale, QObject, QTimeEdit, QTranslator

DATE_FORMAT = "yyyy年M月d日"
DATETIME_FORMAT = "yyyy年M月d日 HH:mm"
TIME_FORMAT = "HH:mm"


def china() -> QLocale:
    return QLocale(QLocale.Language.Chinese, QLocale.Country.China)


class MnemonicFallback(QTranslator):
    """Consulted after the real catalogues (install it before them): a source text with one
    ``&`` mnemonic that they miss is looked up without it; the answer gets ``(&X)`` before its
    closing colon. Anything else is not ours: ``None`` (a null QString — Qt takes an empty
    string for a translation, which blanked every Designer form's default texts)."""

    def __init__(self, catalogues: list[QTranslator], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._catalogues = list(catalogues)

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False

    def translate(self, context: str, source: str, disambiguation: str | None = None,  # noqa: D102
                  n: int = -1) -> str | None:
        at = source.find("&")
        if at < 0 or at == len(source) - 1 or source[at + 1] == "&" or "&" in source[at + 1:]:
            return None
        plain = source[:at] + source[at + 1:]
        for catalogue in self._catalogues:
            text = catalogue.translate(context, plain, disambiguation, n)
            if text:
                return _with_mnemonic(text, source[at + 1].upper())
        return None


def _with_mnemonic(text: str, key: str) -> str:
    if "&" in text:
        return text
    for colon in ("：", ":"):
        if text.endswith(colon):
            return f"{text[:-len(colon)]}(&{key}){colon}"
    return f"{text}(&{key})"


def chinese_dates(*edits: QDateTimeEdit) -> None:
    """Give date, date-time and time editors their Chinese display form and a Chinese calendar
    pop-up (whatever the default locale of the process)."""
    for edit in edits:
        if isinstance(edit, QDateEdit):
            edit.setDisplayFormat(DATE_FORMAT)
        elif isinstance(edit, QTimeEdit):
            edit.setDisplayFormat(TIME_FORMAT)
        else:
            edit.setDisplayFormat(DATETIME_FORMAT)
        edit.setLocale(china())
