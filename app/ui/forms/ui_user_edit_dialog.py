# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'user_edit_dialog.ui'
##
## Created by: Qt User Interface Compiler version 6.8.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from app.ui.qt import (QCoreApplication, QMetaObject, Qt)
from app.ui.qt import (QComboBox, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget)

from app.ui.kit.message_line import MessageLine

class Ui_UserEditDialog(object):
    def setupUi(self, UserEditDialog):
        if not UserEditDialog.objectName():
            UserEditDialog.setObjectName(u"UserEditDialog")
        UserEditDialog.resize(420, 300)
        self.verticalLayout = QVBoxLayout(UserEditDialog)
        self.verticalLayout.setObjectName(u"verticalLayout")
        self.formLayout = QFormLayout()
        self.formLayout.setObjectName(u"formLayout")
        self.usernameLabel = QLabel(UserEditDialog)
        self.usernameLabel.setObjectName(u"usernameLabel")

        self.formLayout.setWidget(0, QFormLayout.LabelRole, self.usernameLabel)

        self.usernameEdit = QLineEdit(UserEditDialog)
        self.usernameEdit.setObjectName(u"usernameEdit")
        self.usernameEdit.setMaxLength(64)

        self.formLayout.setWidget(0, QFormLayout.FieldRole, self.usernameEdit)

        self.displayNameLabel = QLabel(UserEditDialog)
        self.displayNameLabel.setObjectName(u"displayNameLabel")

        self.formLayout.setWidget(1, QFormLayout.LabelRole, self.displayNameLabel)

        self.displayNameEdit = QLineEdit(UserEditDialog)
        self.displayNameEdit.setObjectName(u"displayNameEdit")
        self.displayNameEdit.setMaxLength(64)

        self.formLayout.setWidget(1, QFormLayout.FieldRole, self.displayNameEdit)

        self.roleLabel = QLabel(UserEditDialog)
        self.roleLabel.setObjectName(u"roleLabel")

        self.formLayout.setWidget(2, QFormLayout.LabelRole, self.roleLabel)

        self.roleBox = QWidget(UserEditDialog)
        self.roleBox.setObjectName(u"roleBox")
        self.roleLayout = QHBoxLayout(self.roleBox)
        self.roleLayout.setObjectName(u"roleLayout")
        self.roleLayout.setContentsMargins(0, 0, 0, 0)

        self.formLayout.setWidget(2, QFormLayout.FieldRole, self.roleBox)

        self.clearanceLabel = QLabel(UserEditDialog)
        self.clearanceLabel.setObjectName(u"clearanceLabel")

        self.formLayout.setWidget(3, QFormLayout.LabelRole, self.clearanceLabel)

        self.clearanceCombo = QComboBox(UserEditDialog)
        self.clearanceCombo.setObjectName(u"clearanceCombo")

        self.formLayout.setWidget(3, QFormLayout.FieldRole, self.clearanceCombo)

        self.unitLabel = QLabel(UserEditDialog)
        self.unitLabel.setObjectName(u"unitLabel")

        self.formLayout.setWidget(4, QFormLayout.LabelRole, self.unitLabel)

        self.unitEdit = QLineEdit(UserEditDialog)
        self.unitEdit.setObjectName(u"unitEdit")
        self.unitEdit.setMaxLength(128)

        self.formLayout.setWidget(4, QFormLayout.FieldRole, self.unitEdit)

        self.passwordLabel = QLabel(UserEditDialog)
        self.passwordLabel.setObjectName(u"passwordLabel")

        self.formLayout.setWidget(5, QFormLayout.LabelRole, self.passwordLabel)

        self.passwordEdit = QLineEdit(UserEditDialog)
        self.passwordEdit.setObjectName(u"passwordEdit")
        self.passwordEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.formLayout.setWidget(5, QFormLayout.FieldRole, self.passwordEdit)

        self.confirmLabel = QLabel(UserEditDialog)
        self.confirmLabel.setObjectName(u"confirmLabel")

        self.formLayout.setWidget(6, QFormLayout.LabelRole, self.confirmLabel)

        self.confirmEdit = QLineEdit(UserEditDialog)
        self.confirmEdit.setObjectName(u"confirmEdit")
        self.confirmEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.formLayout.setWidget(6, QFormLayout.FieldRole, self.confirmEdit)


        self.verticalLayout.addLayout(self.formLayout)

        self.messageLabel = MessageLine(UserEditDialog)
        self.messageLabel.setObjectName(u"messageLabel")

        self.verticalLayout.addWidget(self.messageLabel)

        self.buttonBox = QDialogButtonBox(UserEditDialog)
        self.buttonBox.setObjectName(u"buttonBox")
        self.buttonBox.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.verticalLayout.addWidget(self.buttonBox)

#if QT_CONFIG(shortcut)
        self.usernameLabel.setBuddy(self.usernameEdit)
        self.displayNameLabel.setBuddy(self.displayNameEdit)
        self.clearanceLabel.setBuddy(self.clearanceCombo)
        self.unitLabel.setBuddy(self.unitEdit)
        self.passwordLabel.setBuddy(self.passwordEdit)
        self.confirmLabel.setBuddy(self.confirmEdit)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(UserEditDialog)

        QMetaObject.connectSlotsByName(UserEditDialog)
    # setupUi

    def retranslateUi(self, UserEditDialog):
        UserEditDialog.setWindowTitle(QCoreApplication.translate("UserEditDialog", u"\u7528\u6237", None))
        self.usernameLabel.setText(QCoreApplication.translate("UserEditDialog", u"\u7528\u6237\u540d(&U)\uff1a", None))
        self.displayNameLabel.setText(QCoreApplication.translate("UserEditDialog", u"\u59d3\u540d(&N)\uff1a", None))
        self.roleLabel.setText(QCoreApplication.translate("UserEditDialog", u"\u89d2\u8272\uff1a", None))
        self.clearanceLabel.setText(QCoreApplication.translate("UserEditDialog", u"\u5bc6\u7ea7(&S)\uff1a", None))
        self.unitLabel.setText(QCoreApplication.translate("UserEditDialog", u"\u6240\u5728\u5355\u4f4d(&U)\uff1a", None))
        self.unitEdit.setPlaceholderText(QCoreApplication.translate("UserEditDialog", u"\u77e5\u6089\u8303\u56f4\u6309\u5355\u4f4d\u9650\u5b9a\u65f6\u636e\u6b64\u5224\u65ad", None))
        self.passwordLabel.setText(QCoreApplication.translate("UserEditDialog", u"\u521d\u59cb\u5bc6\u7801(&P)\uff1a", None))
        self.passwordEdit.setPlaceholderText(QCoreApplication.translate("UserEditDialog", u"\u81f3\u5c11 8 \u4e2a\u5b57\u7b26", None))
        self.confirmLabel.setText(QCoreApplication.translate("UserEditDialog", u"\u786e\u8ba4\u5bc6\u7801(&C)\uff1a", None))
    # retranslateUi

