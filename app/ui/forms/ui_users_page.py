# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'users_page.ui'
##
## Created by: Qt User Interface Compiler version 6.8.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from app.ui.qt import (QCoreApplication, QMetaObject, Qt)
from app.ui.qt import (QAbstractItemView, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSpacerItem, QTableWidget, QVBoxLayout)

from app.ui.kit.message_line import MessageLine

class Ui_UsersPage(object):
    def setupUi(self, UsersPage):
        if not UsersPage.objectName():
            UsersPage.setObjectName(u"UsersPage")
        UsersPage.resize(760, 480)
        self.verticalLayout = QVBoxLayout(UsersPage)
        self.verticalLayout.setObjectName(u"verticalLayout")
        self.headingLabel = QLabel(UsersPage)
        self.headingLabel.setObjectName(u"headingLabel")
        self.headingLabel.setStyleSheet(u"font-size: 16pt; font-weight: bold;")

        self.verticalLayout.addWidget(self.headingLabel)

        self.buttonRow = QHBoxLayout()
        self.buttonRow.setObjectName(u"buttonRow")
        self.addButton = QPushButton(UsersPage)
        self.addButton.setObjectName(u"addButton")

        self.buttonRow.addWidget(self.addButton)

        self.editButton = QPushButton(UsersPage)
        self.editButton.setObjectName(u"editButton")

        self.buttonRow.addWidget(self.editButton)

        self.toggleButton = QPushButton(UsersPage)
        self.toggleButton.setObjectName(u"toggleButton")

        self.buttonRow.addWidget(self.toggleButton)

        self.resetButton = QPushButton(UsersPage)
        self.resetButton.setObjectName(u"resetButton")

        self.buttonRow.addWidget(self.resetButton)

        self.spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttonRow.addItem(self.spacer)

        self.refreshButton = QPushButton(UsersPage)
        self.refreshButton.setObjectName(u"refreshButton")

        self.buttonRow.addWidget(self.refreshButton)


        self.verticalLayout.addLayout(self.buttonRow)

        self.table = QTableWidget(UsersPage)
        self.table.setObjectName(u"table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)

        self.verticalLayout.addWidget(self.table)

        self.auditHeading = QLabel(UsersPage)
        self.auditHeading.setObjectName(u"auditHeading")
        self.auditHeading.setStyleSheet(u"font-size: 16pt; font-weight: bold;")

        self.verticalLayout.addWidget(self.auditHeading)

        self.auditRow = QHBoxLayout()
        self.auditRow.setObjectName(u"auditRow")
        self.verifyButton = QPushButton(UsersPage)
        self.verifyButton.setObjectName(u"verifyButton")

        self.auditRow.addWidget(self.verifyButton)

        self.auditLabel = MessageLine(UsersPage)
        self.auditLabel.setObjectName(u"auditLabel")

        self.auditRow.addWidget(self.auditLabel)

        self.spacer2 = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.auditRow.addItem(self.spacer2)


        self.verticalLayout.addLayout(self.auditRow)


        self.retranslateUi(UsersPage)

        QMetaObject.connectSlotsByName(UsersPage)
    # setupUi

    def retranslateUi(self, UsersPage):
        self.headingLabel.setText(QCoreApplication.translate("UsersPage", u"\u7528\u6237\u8d26\u6237", None))
        self.addButton.setText(QCoreApplication.translate("UsersPage", u"\u6dfb\u52a0\u7528\u6237(&A)\u2026", None))
        self.editButton.setText(QCoreApplication.translate("UsersPage", u"\u89d2\u8272\u4e0e\u5bc6\u7ea7(&E)\u2026", None))
        self.toggleButton.setText(QCoreApplication.translate("UsersPage", u"\u505c\u7528(&D)", None))
        self.resetButton.setText(QCoreApplication.translate("UsersPage", u"\u91cd\u7f6e\u5bc6\u7801(&R)\u2026", None))
        self.refreshButton.setText(QCoreApplication.translate("UsersPage", u"\u5237\u65b0", None))
        self.auditHeading.setText(QCoreApplication.translate("UsersPage", u"\u5ba1\u8ba1\u65e5\u5fd7", None))
        self.verifyButton.setText(QCoreApplication.translate("UsersPage", u"\u6821\u9a8c\u5ba1\u8ba1\u65e5\u5fd7(&V)", None))
        pass
    # retranslateUi

