"""三员分立 through the CLI (issue 31): the first-run setup of a 涉密 office, each administrator
refused what is not theirs with exit code 2 and a Chinese message naming the rule, the
reviewer's tools, the password policy, and the switch of a 普通 office refused while an account
breaks the rules."""

from __future__ import annotations

from tests.test_cli_admin import _rows, run

INITIAL = {"xitong": "Sys-initial-1", "baomi": "Sec-initial-1", "shenji": "Aud-initial-1"}
FINAL = {"xitong": "Sys-changed-2", "baomi": "Sec-changed-2", "shenji": "Aud-changed-2"}


def _setup(monkeypatch, capsys) -> None:
    stdin = "".join(INITIAL[n] + "\n" for n in ("xitong", "baomi", "shenji"))
    code, out, err = run(monkeypatch, capsys, ["office", "setup-classified", "--sysadmin",
                                               "xitong", "--secadmin", "baomi", "--auditor",
                                               "shenji"], stdin, None)
    assert code == 0, err
    assert "涉密单位" in out and "首次登录须修改密码" in out
    for name in INITIAL:
        code, _, err = run(monkeypatch, capsys, ["user", "passwd", name],
                           f"{INITIAL[name]}\n{FINAL[name]}\n")
        assert code == 0, err


def _as(monkeypatch, capsys, name: str, argv: list[str], stdin: str = ""):
    return run(monkeypatch, capsys, [*argv, "--admin", name], stdin, FINAL[name])


def test_the_classified_first_run_and_each_administrators_refusals(monkeypatch, capsys, tmp_path):
    _setup(monkeypatch, capsys)
    code, out, _ = run(monkeypatch, capsys, ["office", "show"])
    assert code == 0 and "涉密单位" in out
    assert _rows("SELECT username, must_change_password FROM users ORDER BY id") == [
        ("xitong", 0), ("baomi", 0), ("shenji", 0)]

    # 系统管理员: no grants, no audit log
    code, _, err = _as(monkeypatch, capsys, "xitong", ["user", "roles", "shenji", "--role",
                                                       "系统管理员"])
    assert code == 2 and "三员分立" in err and "授予角色和密级" in err
    code, _, err = _as(monkeypatch, capsys, "xitong", ["audit", "list"])
    assert code == 2 and "三员分立" in err and "查看审计日志" in err
    code, _, err = _as(monkeypatch, capsys, "xitong", ["user", "policy", "set",
                                                       "--min-length", "12"])
    assert code == 2 and "设置密码与锁定策略" in err
    # 安全保密管理员: no accounts, and no pair of the three on one account
    code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "add", "wang"], "Wang-pass-11\n")
    assert code == 2 and "三员分立" in err and "管理用户" in err
    code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "roles", "shenji", "--roles",
                                                      "安全审计员,系统管理员"])
    assert code == 2 and "一个账户不能同时担任" in err
    code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "roles", "shenji", "--roles",
                                                      "安全审计员,文书"])
    assert code == 2 and "不能兼任业务角色" in err
    code, out, err = _as(monkeypatch, capsys, "baomi", ["user", "policy", "set",
                                                        "--min-length", "12"])
    assert code == 0 and "密码最小长度：12" in out, err
    # 安全审计员: reads only
    code, _, err = _as(monkeypatch, capsys, "shenji", ["user", "list"])
    assert code == 2 and "三员分立" in err
    code, out, _ = _as(monkeypatch, capsys, "shenji", ["audit", "list", "--outcome", "refused"])
    assert code == 0
    lines = out.splitlines()[1:]
    assert lines and all("\t拒绝\t" in line for line in lines)
    assert any("xitong" in line for line in lines)  # the 系统管理员's refusals are the auditor's
    # the 安全保密管理员's refusals are reviewed by the auditor too (they are an administrator's)
    assert any("baomi" in line.split("\t")[2] for line in lines)
    seq = lines[0].split("\t")[0]
    code, out, _ = _as(monkeypatch, capsys, "shenji", ["audit", "review", seq, "--note", "已核"])
    assert code == 0 and "已标记 1 条" in out
    report = tmp_path / "审阅报告.pdf"
    code, out, err = _as(monkeypatch, capsys, "shenji", ["audit", "report", str(report)])
    assert code == 0 and report.read_bytes().startswith(b"%PDF"), err
    code, _, err = _as(monkeypatch, capsys, "shenji", ["audit", "purge", "--before",
                                                       "2026-01-01"])
    assert code == 4 and "审计记录" in err
    code, out, _ = _as(monkeypatch, capsys, "shenji", ["audit", "status"])
    assert code == 0 and "告警阈值" in out
    # the refused attempts are all in the log, as refused, with the desk
    refused = _rows("SELECT actor, outcome, desk FROM audit_events WHERE outcome = 'refused'")
    assert {r[0] for r in refused} >= {"xitong", "baomi", "shenji"}
    assert all(r[2] for r in refused)


def test_a_normal_office_switch_is_refused_naming_the_accounts(monkeypatch, capsys):
    code, _, _ = run(monkeypatch, capsys, ["user", "add", "admin"], "Admin-pass-1\n", None)
    assert code == 0
    code, _, err = run(monkeypatch, capsys, ["office", "classify", "--admin", "admin"])
    assert code == 2 and "明确同意" in err
    code, _, err = run(monkeypatch, capsys, ["office", "classify", "--yes", "--admin", "admin"])
    assert code == 2 and "用户“admin”" in err and "没有启用的“系统管理员”账户" in err
    code, out, _ = run(monkeypatch, capsys, ["office", "show"])
    assert "普通单位" in out


def test_the_system_administrator_cannot_disable_the_auditor(monkeypatch, capsys):
    """三员 accounts are disabled by two people: refused through the CLI with exit code 2 and
    the rule, audited; the two-person way works."""
    _setup(monkeypatch, capsys)
    code, _, err = _as(monkeypatch, capsys, "xitong", ["user", "disable", "shenji"])
    assert code == 2 and "三员分立" in err and "不能由一人直接停用" in err
    assert _rows("SELECT active FROM users WHERE username = 'shenji'") == [(1,)]
    assert _rows("SELECT actor, action FROM audit_events WHERE outcome = 'refused'") == [
        ("xitong", "user.disable")]
    code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "roles", "shenji", "--role",
                                                      "只读"])
    assert code == 2 and "没有启用的“安全审计员”账户" in err
    # the two-person way: a successor first, then the role goes, then the account
    code, _, err = _as(monkeypatch, capsys, "xitong", ["user", "add", "shenji2"],
                       "Aud-next-11\n")
    assert code == 0, err
    for args in (["shenji2", "--role", "安全审计员"], ["shenji", "--role", "只读"]):
        code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "roles", *args])
        assert code == 0, err
    code, out, err = _as(monkeypatch, capsys, "xitong", ["user", "disable", "shenji"])
    assert code == 0 and "已停用用户 shenji" in out, err


def test_the_audit_store_threshold_is_the_security_administrators(monkeypatch, capsys):
    _setup(monkeypatch, capsys)
    argv = ["user", "policy", "set", "--audit-warn-rows", "20000"]
    code, _, err = _as(monkeypatch, capsys, "xitong", argv)
    assert code == 2 and "三员分立" in err
    code, _, err = _as(monkeypatch, capsys, "baomi", [*argv[:-1], "500"])
    assert code == 2 and "审计记录告警阈值（条）须在 10000 至 20000000 之间" in err
    code, out, err = _as(monkeypatch, capsys, "baomi", argv)
    assert code == 0 and "审计记录告警阈值（条；超过时提醒安全审计员）：20000" in out, err
    assert _rows("SELECT audit_warn_rows FROM security_settings") == [(20000,)]
    code, out, _ = _as(monkeypatch, capsys, "shenji", ["audit", "status"])
    assert code == 0 and "告警阈值 20000 条" in out


def test_no_administrator_does_business_work_through_the_cli(monkeypatch, capsys):
    _setup(monkeypatch, capsys)
    for name in INITIAL:
        code, _, err = run(monkeypatch, capsys, ["docno", "reserve", "临政发", "2026",
                                                 "--reason", "预留", "--user", name],
                           FINAL[name] + "\n")
        assert code == 2 and "三员分立" in err and "印发" in err, (name, err)
    assert _rows("SELECT COUNT(*) FROM docno_entries") == [(0,)]
    assert {r[0] for r in _rows("SELECT actor FROM audit_events WHERE outcome = 'refused'")} \
        == set(INITIAL)


def _state() -> dict[str, list[tuple]]:
    """What the refused commands below would change."""
    state = {t: _rows(f"SELECT * FROM {t}") for t in (
        "holiday_days", "holiday_years", "incident_rule_table", "security_settings",
        "audit_reviews")}
    state["users"] = _rows("SELECT username, password_hash, clearance_level, active, "
                           "must_change_password FROM users ORDER BY id")  # not the last sign-in
    state["roles"] = _rows("SELECT user_id, role_code FROM user_roles ORDER BY user_id, role_code")
    return state


def test_each_administrator_is_refused_the_others_settings_with_exit_2(monkeypatch, capsys,
                                                                      tmp_path):
    """“Each administrator refused what is not theirs … through the CLI with exit 2 and a
    message”: the settings are the 系统管理员's (a 安全审计员 or 安全保密管理员 trying one is a
    三员分立 refusal, exit 2, not the exit 4 of a business user's missing role), grants and the
    log are not the 系统管理员's, and the 安全审计员's own entries are not its to review."""
    _setup(monkeypatch, capsys)
    rules = tmp_path / "rules.json"
    code, _, err = _as(monkeypatch, capsys, "shenji", ["incident", "rules", "export", str(rules)])
    assert code == 0, err  # reading is allowed
    settings = [["calendar", "set", "2027-03-05", "rest", "--reason", "闭馆"],
                ["incident", "rules", "import", str(rules)],
                ["audit", "key", "export", str(tmp_path / "audit.key")],
                ["backup", "restore", str(tmp_path / "govdesk.db"), "--yes"]]
    before = _state()
    seq = _rows("SELECT MAX(seq) FROM audit_events")[0][0]
    expected: list[tuple[str, str]] = []
    for name in ("shenji", "baomi"):
        for argv in settings:
            code, out, err = _as(monkeypatch, capsys, name, argv)
            assert code == 2 and err.startswith("错误：三员分立：") and "修改单位设置" in err, \
                (name, argv, code, err)
            expected.append((name, "refused"))
        code, _, err = run(monkeypatch, capsys, ["exchange", "passphrase", "--user", name],
                           "Abc-pass-phrase-123\nAbc-pass-phrase-123\n", FINAL[name])
        assert code == 2 and "三员分立" in err and "修改单位设置" in err, (name, err)
        expected.append((name, "refused"))
    # the 系统管理员: no grants, no resetting another administrator, no review tools
    for argv, words in ((["user", "add", "zz", "--role", "文书", "--clearance", "秘密"],
                         "角色和密级须由安全保密管理员授予"),
                        (["user", "reset", "baomi"], "不能重置另一名管理员"),
                        (["audit", "report", str(tmp_path / "r.pdf")], "审阅审计记录"),
                        (["audit", "review", "1"], "审阅审计记录")):
        code, _, err = _as(monkeypatch, capsys, "xitong", argv, "Zz-pass-word-11\n")
        assert code == 2 and err.startswith("错误：三员分立：") and words in err, (argv, err)
        expected.append(("xitong", "refused"))
    # the 安全审计员 does not review its own entries (the 安全保密管理员 does)
    own = _rows("SELECT MAX(seq) FROM audit_events WHERE actor = 'shenji'")[0][0]
    code, _, err = _as(monkeypatch, capsys, "shenji", ["audit", "review", str(own)])
    assert code == 2 and "三员分立" in err and "不在您的审阅范围内" in err, err
    expected.append(("shenji", "refused"))
    assert _state() == before
    assert not list(tmp_path.glob("*.key")) and not list(tmp_path.glob("*.pdf"))
    # every refusal is in the log as refused, by the administrator who tried
    refused = _rows(f"SELECT actor, outcome FROM audit_events WHERE seq > {seq} "
                    "AND outcome = 'refused' ORDER BY seq")
    assert refused == expected
    code, out, err = _as(monkeypatch, capsys, "baomi", ["audit", "review", str(own)])
    assert code == 0 and "已标记 1 条" in out, err
