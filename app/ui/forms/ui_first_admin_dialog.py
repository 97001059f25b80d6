# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'first_admin_dialog.ui'
##
## Created by: Qt User Interface Compiler version 6.8.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from app.ui.qt import (QCoreApplication, QMetaObject, Qt)
from app.ui.qt import (QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout)

from app.ui.kit.message_line import MessageLine

class Ui_FirstAdminDialog(object):
    def setupUi(self, FirstAdminDialog):
        if not FirstAdminDialog.objectName():
            FirstAdminDialog.setObjectName(u"FirstAdminDialog")
        FirstAdminDialog.resize(460, 300)
        self.verticalLayout = QVBoxLayout(FirstAdminDialog)
        self.verticalLayout.setObjectName(u"verticalLayout")
        self.introLabel = QLabel(FirstAdminDialog)
        self.introLabel.setObjectName(u"introLabel")
        self.introLabel.setWordWrap(True)

        self.verticalLayout.addWidget(self.introLabel)

        self.formLayout = QFormLayout()
        self.formLayout.setObjectName(u"formLayout")
        self.usernameLabel = QLabel(FirstAdminDialog)
        self.usernameLabel.setObjectName(u"usernameLabel")

        self.formLayout.setWidget(0, QFormLayout.LabelRole, self.usernameLabel)

        self.usernameEdit = QLineEdit(FirstAdminDialog)
        self.usernameEdit.setObjectName(u"usernameEdit")
        self.usernameEdit.setMaxLength(64)

        self.formLayout.setWidget(0, QFormLayout.FieldRole, self.usernameEdit)

        self.displayNameLabel = QLabel(FirstAdminDialog)
        self.displayNameLabel.setObjectName(u"displayNameLabel")

        self.formLayout.setWidget(1, QFormLayout.LabelRole, self.displayNameLabel)

        self.displayNameEdit = QLineEdit(FirstAdminDialog)
        self.displayNameEdit.setObjectName(u"displayNameEdit")
        self.displayNameEdit.setMaxLength(64)

        self.formLayout.setWidget(1, QFormLayout.FieldRole, self.displayNameEdit)

        self.passwordLabel = QLabel(FirstAdminDialog)
        self.passwordLabel.setObjectName(u"passwordLabel")

        self.formLayout.setWidget(2, QFormLayout.LabelRole, self.passwordLabel)

        self.passwordEdit = QLineEdit(FirstAdminDialog)
        self.passwordEdit.setObjectName(u"passwordEdit")
        self.passwordEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.formLayout.setWidget(2, QFormLayout.FieldRole, self.passwordEdit)

        self.confirmLabel = QLabel(FirstAdminDialog)
        self.confirmLabel.setObjectName(u"confirmLabel")

        self.formLayout.setWidget(3, QFormLayout.LabelRole, self.confirmLabel)

        self.confirmEdit = QLineEdit(FirstAdminDialog)
        self.confirmEdit.setObjectName(u"confirmEdit")
        self.confirmEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.formLayout.setWidget(3, QFormLayout.FieldRole, self.confirmEdit)


        self.verticalLayout.addLayout(self.formLayout)

        self.messageLabel = MessageLine(FirstAdminDialog)
        self.messageLabel.setObjectName(u"messageLabel")

        self.verticalLayout.addWidget(self.messageLabel)

        self.buttonBox = QDialogButtonBox(FirstAdminDialog)
        self.buttonBox.setObjectName(u"buttonBox")
        self.buttonBox.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.verticalLayout.addWidget(self.buttonBox)

#if QT_CONFIG(shortcut)
        self.usernameLabel.setBuddy(self.usernameEdit)
        self.displayNameLabel.setBuddy(self.displayNameEdit)
        self.passwordLabel.setBuddy(self.passwordEdit)
        self.confirmLabel.setBuddy(self.confirmEdit)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(FirstAdminDialog)

        QMetaObject.connectSlotsByName(FirstAdminDialog)
    # setupUi

    def retranslateUi(self, FirstAdminDialog):
        FirstAdminDialog.setWindowTitle(QCoreApplication.translate("FirstAdminDialog", u"\u521b\u5efa\u7ba1\u7406\u5458\u8d26\u6237 \u2014 \u516c\u6587\u503c\u5b88\u53f0", None))
        self.introLabel.setText(QCoreApplication.translate("FirstAdminDialog", u"\u6b22\u8fce\u4f7f\u7528\u516c\u6587\u503c\u5b88\u53f0\u3002\u8fd9\u662f\u9996\u6b21\u8fd0\u884c\uff0c\u8bf7\u521b\u5efa\u7b2c\u4e00\u4e2a\u7ba1\u7406\u5458\u8d26\u6237\u3002\u7ba1\u7406\u5458\u53ef\u6dfb\u52a0\u5176\u4ed6\u7528\u6237\u3001\u5206\u914d\u89d2\u8272\u548c\u5bc6\u7ea7\u3002", None))
        self.usernameLabel.setText(QCoreApplication.translate("FirstAdminDialog", u"\u7528\u6237\u540d(&U)\uff1a", None))
        self.usernameEdit.setText(QCoreApplication.translate("FirstAdminDialog", u"admin", None))
        self.displayNameLabel.setText(QCoreApplication.translate("FirstAdminDialog", u"\u59d3\u540d(&N)\uff1a", None))
        self.passwordLabel.setText(QCoreApplication.translate("FirstAdminDialog", u"\u5bc6\u7801(&P)\uff1a", None))
        self.passwordEdit.setPlaceholderText(QCoreApplication.translate("FirstAdminDialog", u"\u81f3\u5c11 8 \u4e2a\u5b57\u7b26", None))
        self.confirmLabel.setText(QCoreApplication.translate("FirstAdminDialog", u"\u786e\u8ba4\u5bc6\u7801(&C)\uff1a", None))
    # retranslateUi

