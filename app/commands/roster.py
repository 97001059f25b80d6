"""``python -m app roster solve PROBLEM.json -o ROSTER.json``: the roster solver headless;
``roster check PROBLEM.json ROSTER.json`` checks a (hand-edited) roster against the rules.

Exit codes: 0 a roster was written; 3 no roster satisfies the hard rules (ROSTER.json lists the
reasons); 2 malformed input (message on stderr, no output file). Same solver as the GUI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.domain.roster import DEFAULT_TIME_LIMIT, DEFAULT_WORKERS, fairness, solve
from app.domain.roster_io import load_assignments, load_problem, roster_json
from app.domain.roster_model import role_label
from app.domain.roster_validate import validate
from app.errors import InputError, UserError

EXIT_NO_ROSTER = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    roster = subparsers.add_parser("roster", help="值班排班", description="值班排班（排班求解）")
    sub = roster.add_subparsers(dest="roster_command", metavar="子命令")
    roster.set_defaults(func=lambda args: (roster.print_help(), 2)[1])
    p = sub.add_parser(
        "solve",
        help="按排班问题文件生成值班表",
        description="读取 PROBLEM.json，生成满足全部硬性规则且尽量公平的值班表 ROSTER.json。"
        "退出码：0 成功；3 无法排班（ROSTER.json 中列出原因）；2 输入有误（不生成文件）。",
    )
    p.add_argument("problem", metavar="PROBLEM.json", help="排班问题文件")
    p.add_argument("-o", "--output", metavar="ROSTER.json", required=True, help="输出的值班表文件")
    p.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        metavar="秒",
        help=f"求解时限（秒，默认{DEFAULT_TIME_LIMIT:g}；按确定性计时，机器繁忙时实际用时可能更长）",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        metavar="N",
        help=f"求解线程数（同一输入、同一线程数，结果相同；默认{DEFAULT_WORKERS}）",
    )
    p.add_argument("--seed", type=int, default=0, help="随机种子（默认0）")
    p.add_argument("-q", "--quiet", action="store_true", help="不输出摘要")
    p.set_defaults(func=run_solve)
    c = sub.add_parser(
        "check",
        help="检查值班表是否符合排班规则",
        description="按 PROBLEM.json 的规则检查 ROSTER.json（如手工调整后的值班表）。"
        "退出码：0 符合全部规则；3 有违反规则之处（逐条列出）；2 输入有误。",
    )
    c.add_argument("problem", metavar="PROBLEM.json", help="排班问题文件")
    c.add_argument("roster", metavar="ROSTER.json", help="值班表文件")
    c.set_defaults(func=run_check)


def run_solve(args: argparse.Namespace) -> int:
    if args.time_limit <= 0:
        raise InputError("--time-limit 应大于0")
    if args.workers < 1:
        raise InputError("--workers 应不小于1")
    problem = load_problem(args.problem)  # InputError → exit 2 before any file is written
    folder = Path(args.output).resolve().parent
    if not folder.is_dir():
        raise InputError(f"输出文件夹不存在：{folder}")
    solution = solve(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    from app.services import output

    try:
        output.save(roster_json(solution), args.output)
    except UserError as exc:
        raise UserError(exc.message, exit_code=1) from None
    if not solution.ok:
        print(f"无法排班，原因已写入 {args.output}：", file=sys.stderr)
        for line in solution.infeasible:
            print(f"  {line}", file=sys.stderr)
        return EXIT_NO_ROSTER
    if not args.quiet:
        fair = _fairness_line(solution.fairness)
        quality = "最优" if solution.status == "optimal" else "可行（时限内未证明最优）"
        print(
            f"已排 {len(solution.assignments)} 人次（{quality}，用时{solution.wall_time:.1f}秒），"
            f"写入 {args.output}"
        )
        print(f"公平性：{fair}")
    return 0


def _fairness_line(fair) -> str:
    return "；".join(
        f"{role_label(r)}总数差{f.total_spread}、节假日差{f.rest_day_spread}"
        for r, f in fair.items()
    )


def run_check(args: argparse.Namespace) -> int:
    problem = load_problem(args.problem)
    rows = load_assignments(args.roster, problem)
    problems = validate(problem, rows)
    if problems:
        print(f"值班表有{len(problems)}处不符合规则：", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return EXIT_NO_ROSTER
    print(
        f"值班表符合全部规则（{len(rows)} 人次）。公平性：{_fairness_line(fairness(problem, rows))}"
    )
    return 0
