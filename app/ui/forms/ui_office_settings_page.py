# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'office_settings_page.ui'
##
## Created by: Qt User Interface Compiler version 6.8.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from app.ui.qt import (QCoreApplication, QMetaObject, Qt)
from app.ui.qt import (QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QSpacerItem, QVBoxLayout)

from app.ui.kit.message_line import MessageLine

class Ui_OfficeSettingsPage(object):
    def setupUi(self, OfficeSettingsPage):
        if not OfficeSettingsPage.objectName():
            OfficeSettingsPage.setObjectName(u"OfficeSettingsPage")
        OfficeSettingsPage.resize(640, 360)
        self.verticalLayout = QVBoxLayout(OfficeSettingsPage)
        self.verticalLayout.setObjectName(u"verticalLayout")
        self.introLabel = QLabel(OfficeSettingsPage)
        self.introLabel.setObjectName(u"introLabel")
        self.introLabel.setWordWrap(True)

        self.verticalLayout.addWidget(self.introLabel)

        self.formLayout = QFormLayout()
        self.formLayout.setObjectName(u"formLayout")
        self.officeNameLabel = QLabel(OfficeSettingsPage)
        self.officeNameLabel.setObjectName(u"officeNameLabel")

        self.formLayout.setWidget(0, QFormLayout.LabelRole, self.officeNameLabel)

        self.officeNameEdit = QLineEdit(OfficeSettingsPage)
        self.officeNameEdit.setObjectName(u"officeNameEdit")
        self.officeNameEdit.setMaxLength(128)

        self.formLayout.setWidget(0, QFormLayout.FieldRole, self.officeNameEdit)

        self.codeSeriesLabel = QLabel(OfficeSettingsPage)
        self.codeSeriesLabel.setObjectName(u"codeSeriesLabel")

        self.formLayout.setWidget(1, QFormLayout.LabelRole, self.codeSeriesLabel)

        self.codeSeriesEdit = QLineEdit(OfficeSettingsPage)
        self.codeSeriesEdit.setObjectName(u"codeSeriesEdit")

        self.formLayout.setWidget(1, QFormLayout.FieldRole, self.codeSeriesEdit)

        self.issuerMarkLabel = QLabel(OfficeSettingsPage)
        self.issuerMarkLabel.setObjectName(u"issuerMarkLabel")

        self.formLayout.setWidget(2, QFormLayout.LabelRole, self.issuerMarkLabel)

        self.issuerMarkEdit = QLineEdit(OfficeSettingsPage)
        self.issuerMarkEdit.setObjectName(u"issuerMarkEdit")
        self.issuerMarkEdit.setMaxLength(128)

        self.formLayout.setWidget(2, QFormLayout.FieldRole, self.issuerMarkEdit)

        self.printerLabel = QLabel(OfficeSettingsPage)
        self.printerLabel.setObjectName(u"printerLabel")

        self.formLayout.setWidget(3, QFormLayout.LabelRole, self.printerLabel)

        self.printerEdit = QLineEdit(OfficeSettingsPage)
        self.printerEdit.setObjectName(u"printerEdit")
        self.printerEdit.setMaxLength(128)

        self.formLayout.setWidget(3, QFormLayout.FieldRole, self.printerEdit)


        self.verticalLayout.addLayout(self.formLayout)

        self.buttonRow = QHBoxLayout()
        self.buttonRow.setObjectName(u"buttonRow")
        self.saveButton = QPushButton(OfficeSettingsPage)
        self.saveButton.setObjectName(u"saveButton")

        self.buttonRow.addWidget(self.saveButton)

        self.messageLabel = MessageLine(OfficeSettingsPage)
        self.messageLabel.setObjectName(u"messageLabel")

        self.buttonRow.addWidget(self.messageLabel)

        self.spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttonRow.addItem(self.spacer)


        self.verticalLayout.addLayout(self.buttonRow)

        self.vspacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.verticalLayout.addItem(self.vspacer)

#if QT_CONFIG(shortcut)
        self.officeNameLabel.setBuddy(self.officeNameEdit)
        self.codeSeriesLabel.setBuddy(self.codeSeriesEdit)
        self.issuerMarkLabel.setBuddy(self.issuerMarkEdit)
        self.printerLabel.setBuddy(self.printerEdit)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(OfficeSettingsPage)

        QMetaObject.connectSlotsByName(OfficeSettingsPage)
    # setupUi

    def retranslateUi(self, OfficeSettingsPage):
        self.introLabel.setText(QCoreApplication.translate("OfficeSettingsPage", u"\u672c\u5355\u4f4d\u7684\u540d\u79f0\u3001\u673a\u5173\u4ee3\u5b57\u548c\u9ed8\u8ba4\u53d1\u6587\u673a\u5173\u6807\u5fd7\uff0c\u7528\u4e8e\u516c\u6587\u7f16\u53f7\u4e0e\u7248\u5934\uff1b\u6253\u5370\u673a\u4e3a\u9ed8\u8ba4\u6253\u5370\u673a\u3002", None))
        self.officeNameLabel.setText(QCoreApplication.translate("OfficeSettingsPage", u"\u5355\u4f4d\u540d\u79f0(&N)\uff1a", None))
        self.codeSeriesLabel.setText(QCoreApplication.translate("OfficeSettingsPage", u"\u673a\u5173\u4ee3\u5b57(&C)\uff1a", None))
        self.codeSeriesEdit.setPlaceholderText(QCoreApplication.translate("OfficeSettingsPage", u"\u591a\u4e2a\u4ee3\u5b57\u7528\u987f\u53f7\u6216\u9017\u53f7\u5206\u9694\uff0c\u5982\uff1a\u67d0\u653f\u53d1\u3001\u67d0\u653f\u529e\u53d1\u3001\u67d0\u653f\u51fd", None))
        self.issuerMarkLabel.setText(QCoreApplication.translate("OfficeSettingsPage", u"\u53d1\u6587\u673a\u5173\u6807\u5fd7(&I)\uff1a", None))
        self.printerLabel.setText(QCoreApplication.translate("OfficeSettingsPage", u"\u9ed8\u8ba4\u6253\u5370\u673a(&P)\uff1a", None))
        self.saveButton.setText(QCoreApplication.translate("OfficeSettingsPage", u"\u4fdd\u5b58(&S)", None))
        pass
    # retranslateUi

