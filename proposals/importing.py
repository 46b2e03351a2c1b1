"""Importing a session's proposals from the CPPCC's Excel list (提案汇总表): check the file, read every
row, report every problem, then register all rows or none.

The file is checked before it is parsed: its size, that it is a zip holding an Excel workbook (the magic
number and ``[Content_Types].xml``, not the name), the size it would inflate to, summed from the zip's
central directory, and then each part inflated once in C to prove it is no bigger than it says (a zip bomb
is refused before the sheet reader sees it). Then the rows are read with calamine (a Rust reader, many
times faster than openpyxl's XML parsing), the header matched flexibly (提案号/提案编号/序号 …), and each
row checked the way registering it would check it, so the preview shows every error at once. Registering
goes through ``proposals.actions.register_proposals``: all rows in one transaction, one INSERT per table,
and each proposal gets the history event and search entry of one registered by hand (a long list's search
entries written by the worker a few seconds later: ``search.index.index_proposals``).
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lib.dates import cn_date
from lib.errors import DomainError, InvalidInput, RuleViolation
from lib.spreadsheet import SheetColumn, write_xlsx
from lib.text import has_control_characters
from organisation.models import Role, User

from .actions import NewProposal, ProposerEntry, register_proposals
from .actions import _require_staff_of as require_staff_of
from .models import Proposal, ProposalKind, Proposer, Session

MAX_ROWS = 20_000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_INFLATED = 100 * 1024 * 1024
MAX_MEMBERS = 10_000  # parts of a zip; a workbook has a few dozen
HEADER_SEARCH_ROWS = 10  # a title row (“2026年提案汇总表”) may stand above the header

# The model's limits (proposals.models, api.md "Limits"), named in the messages.
LIMITS = {"number": 30, "title": 500, "body": 200_000, "category": 50, "proposer": 100}

# field → the header names a CPPCC list uses for it, after normalising (no spaces, no remark in brackets)
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("提案号", "提案编号", "序号", "编号", "案号"),
    "title": ("案由", "提案标题", "标题", "题目", "提案名称"),
    "proposer": ("提案人", "第一提案人", "领衔人", "领衔提案人", "提案者"),
    "cosigners": ("联名人", "附议人", "联名提案人", "其他提案人"),
    "kind": ("提案类型", "类型", "提案形式"),
    "category": ("类别", "提案类别", "分类", "所属类别"),
    "body": ("内容", "提案内容", "正文", "案文", "提案正文"),
    "submitted_on": ("提交日期", "提交时间", "提出日期", "提出时间"),
    "is_key": ("重点提案", "是否重点提案"),
    "is_suggestion": ("建议案", "是否建议案"),
    "is_public": ("公开", "是否公开"),
}
LABELS = {f: names[0] for f, names in HEADERS.items()}  # the name the template and messages use
REQUIRED = ("number", "title", "proposer")

# The categories of the CPPCC's lists (the 14 of the Jiangsu list and the usual short ones); a category a
# proposal of the jurisdiction already has is known too.
CATEGORIES = (
    "经济发展", "经济建设", "工业商贸", "财税金融", "农林水利", "城乡建设", "资源环境", "科学技术",
    "教育事业", "教育", "医卫体育", "医疗卫生", "卫生", "文化宣传", "社会事业", "社会建设",
    "法制建设", "政治建设", "统战综合", "其他",
)  # fmt: skip

KINDS = {
    "个人": ProposalKind.INDIVIDUAL, "个人提案": ProposalKind.INDIVIDUAL, "individual": ProposalKind.INDIVIDUAL,
    "联名": ProposalKind.JOINT, "联名提案": ProposalKind.JOINT, "joint": ProposalKind.JOINT,
    "集体": ProposalKind.COLLECTIVE, "集体提案": ProposalKind.COLLECTIVE, "collective": ProposalKind.COLLECTIVE,
}  # fmt: skip
YES = {"是", "√", "✓", "y", "yes", "true", "1"}
NO = {"否", "×", "n", "no", "false", "0"}
NAME_SPLIT = re.compile(r"\s*[、，,；;\n]+\s*")  # not at spaces: “张伟 (zhangwei2)” is one proposer
# 张伟（zhangwei2）: a name with its account; 九三学社（示例市委） is a name, as accounts are ASCII
WITH_ACCOUNT = re.compile(r"^(.+?)\s*[（(]\s*([A-Za-z0-9_.@+-]+)\s*[)）]$")
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT].*)?$")


class FileTooLarge(DomainError):
    status = 413
    code = "too_large"


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


# ---------------------------------------------------------------------------------------------------
# The file


def check_file(f: IO[bytes], size: int) -> None:
    """Refuse what is not a workbook of a sane size, before it is parsed."""
    if size == 0:
        raise InvalidInput("上传的文件是空的，请选择填好的提案表（.xlsx）。", details={"reason": "empty"})
    limit = max_bytes()
    if size > limit:
        raise FileTooLarge(f"文件过大（{_mb(size)}），最多 {_mb(limit)}。", details={"reason": "too_large"})
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput(
            "这是旧版 Excel（.xls）或加密的文件，请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再导入。",
            details={"reason": "not_xlsx"},
        )
    not_xlsx = InvalidInput("文件不是 Excel 工作簿（.xlsx），请使用下载的模板填写。", details={"reason": "not_xlsx"})
    if not head.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        archive = zipfile.ZipFile(f)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise not_xlsx from exc
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise not_xlsx
    inflated = sum(i.file_size for i in infos)
    cap = int(getattr(settings, "IMPORT_MAX_INFLATED_BYTES", DEFAULT_MAX_INFLATED))
    if len(infos) > MAX_MEMBERS or inflated > cap:
        raise FileTooLarge(
            f"文件解压后过大（{_mb(inflated)}，最多 {_mb(cap)}），可能是压缩炸弹，已拒绝。",
            details={"reason": "zip_bomb", "inflated": inflated},
        )
    _check_inflated_sizes(f, infos)
    for info in infos:
        # an XML part declaring entities (billion laughs) is never what Excel writes
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as part:
                start = part.read(2048)
            if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                raise InvalidInput("文件含有不允许的 XML 声明，无法读取。", details={"reason": "xml_entities"})


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, …, file name length, extra field length


def _check_inflated_sizes(f: IO[bytes], infos: list[zipfile.ZipInfo]) -> None:
    """Inflate every member's compressed bytes once, here, and refuse a member that inflates past the size
    it declares: the sheet reader (calamine) is not bound by the declared sizes, so a lying member must
    never reach it. zlib in C, ~0.1 s for a 5,000-row list; memory stays at one chunk."""
    lying = FileTooLarge(
        "文件中有部分解压后的大小与其声明不符，可能是压缩炸弹，已拒绝。", details={"reason": "zip_bomb"}
    )
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InvalidInput("文件不是 Excel 工作簿（.xlsx），请使用下载的模板填写。", details={"reason": "not_xlsx"})
        f.seek(info.header_offset)
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(f.read(_LOCAL_HEADER.size))
        if signature != b"PK\x03\x04":
            raise lying
        f.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
        left = info.compress_size
        if info.compress_type == zipfile.ZIP_STORED:
            if left != info.file_size:
                raise lying
            continue
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        produced = 0
        while left > 0 and not inflate.eof:
            chunk = f.read(min(left, 1 << 16))
            if not chunk:
                break
            left -= len(chunk)
            data = chunk
            while data and not inflate.eof:
                # at most one byte past the declared size is ever produced: that byte is the proof
                produced += len(inflate.decompress(data, info.file_size + 1 - produced))
                if produced > info.file_size:
                    raise lying
                data = inflate.unconsumed_tail
    f.seek(0)


# ---------------------------------------------------------------------------------------------------
# The rows


@dataclass(frozen=True)
class RowError:
    row: int  # the sheet's row number, as Excel shows it
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "message": self.message}

    @property
    def detail(self) -> str:
        """The message without its row number, for a table that shows the row in a column of its own."""
        return self.message.removeprefix(f"第{self.row}行：")


@dataclass(frozen=True)
class PlannedRow:
    row: int
    new: NewProposal

    @property
    def proposer_labels(self) -> list[str]:
        """Each proposer as the preview shows it: the name, and the account it is linked to."""
        return [f"{p.name}（{p.user.username}）" if p.user else p.name for p in self.new.proposers]


@dataclass
class ImportPlan:
    """What an import would do: the proposals it would register and every row it refuses."""

    session: Session
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → the header found for it
    ignored: list[str] = field(default_factory=list)  # headers not read

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def normalise_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"\(.*?\)|（.*?）|\[.*?]|【.*?】", "", text)
    return re.sub(r"[\s*＊:：]", "", text)


_BY_NAME = {normalise_header(n): f for f, names in HEADERS.items() for n in names}


def _header(cells: Sequence[Any]) -> dict[int, str] | None:
    found: dict[int, str] = {}
    for i, value in enumerate(cells):
        f = _BY_NAME.get(normalise_header(value))
        if f is not None and f not in found.values():
            found[i] = f
    return found if set(REQUIRED) <= set(found.values()) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class _RowChecker:
    """The checks of one row against the file so far, the session and the jurisdiction's accounts."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.today = timezone.localdate()
        self.seen: dict[str, int] = {}  # number → first row
        self.taken = set(Proposal.objects.filter(session=session).values_list("number", flat=True))
        used = (
            Proposal.objects.filter(jurisdiction_id=session.jurisdiction_id)
            .exclude(category="")
            .values_list("category", flat=True)
            .distinct()
        )
        self.categories = set(CATEGORIES) | set(used)
        members = User.objects.filter(
            Q(jurisdiction_id=session.jurisdiction_id), role=Role.MEMBER, is_active=True
        ).order_by("username")
        self.by_name: dict[str, list[User]] = {}
        self.by_username: dict[str, User] = {}
        for u in members:
            self.by_name.setdefault(u.display_name, []).append(u)
            self.by_username[u.username] = u

    def proposer(self, raw: str, errors: list[str]) -> ProposerEntry | None:
        name, username = raw, ""
        if m := WITH_ACCOUNT.match(raw):
            name, username = m.group(1).strip(), m.group(2).strip()
        if len(name) > LIMITS["proposer"]:
            errors.append(f"提案人“{name[:20]}…”过长（{len(name)}字，最多{LIMITS['proposer']}字）。")
            return None
        if username:
            user = self.by_username.get(username)
            if user is None or user.display_name != name:
                errors.append(f"提案人“{name}”没有账号为“{username}”的委员。")
                return None
            return ProposerEntry(name, user)
        same = self.by_name.get(name, [])
        if len(same) > 1:
            accounts = "、".join(u.username for u in same)
            errors.append(f"提案人“{name}”有{len(same)}个同名委员账号（{accounts}），请写成“{name}（账号）”。")
            return None
        if not same and name in self.by_username:  # an account name typed instead of the person's name
            user = self.by_username[name]
            return ProposerEntry(user.display_name, user)
        return ProposerEntry(name, same[0] if same else None)

    def check(self, row: int, values: dict[str, Any]) -> tuple[NewProposal | None, list[str]]:
        errors: list[str] = []
        texts = {f: _text(v) for f, v in values.items()}
        for f, text in texts.items():
            if has_control_characters(text):
                errors.append(f"“{LABELS[f]}”含有不允许的控制字符。")
        number = texts.get("number", "").strip()
        title = texts.get("title", "").strip()
        body = texts.get("body", "")
        category = texts.get("category", "").strip()
        if not number:
            errors.append("缺少提案号。")
        elif len(number) > LIMITS["number"]:
            errors.append(f"提案号过长（{len(number)}字，最多{LIMITS['number']}字）。")
        elif number in self.seen:
            errors.append(f"提案号“{number}”与第{self.seen[number]}行重复。")
        elif number in self.taken:
            errors.append(f"本届次已有第{number}号提案。")
        else:
            self.seen[number] = row
        if not title:
            errors.append("缺少案由。")
        elif len(title) > LIMITS["title"]:
            errors.append(f"案由过长（{len(title)}字，最多{LIMITS['title']}字）。")
        if len(body) > LIMITS["body"]:
            errors.append(f"提案内容过长（{len(body)}字，最多{LIMITS['body']}字）。")
        if len(category) > LIMITS["category"]:
            errors.append(f"类别过长（{len(category)}字，最多{LIMITS['category']}字）。")
        elif category and category not in self.categories:
            errors.append(f"类别“{category}”不在类别表中（如：{'、'.join(CATEGORIES[:6])}等）。")

        names = [n.strip() for n in NAME_SPLIT.split(texts.get("proposer", "")) if n.strip()]
        names += [n.strip() for n in NAME_SPLIT.split(texts.get("cosigners", "")) if n.strip()]
        proposers: list[ProposerEntry] = []
        if not names:
            errors.append("缺少提案人。")
        for n in names:
            entry = self.proposer(n, errors)
            if entry is not None:
                proposers.append(entry)

        kind_text = texts.get("kind", "").strip()
        if kind_text:
            kind = KINDS.get(kind_text.lower())
            if kind is None:
                errors.append(f"提案类型“{kind_text}”应为个人提案、联名提案或集体提案。")
        else:
            kind = ProposalKind.JOINT if len(names) > 1 else ProposalKind.INDIVIDUAL
        if kind == ProposalKind.INDIVIDUAL and len(names) > 1:
            errors.append("个人提案只能有一位提案人；多人提出的请填“联名提案”。")

        submitted_on = self._date(values.get("submitted_on"), errors)
        flags = {f: self._flag(f, values.get(f), errors) for f in ("is_key", "is_suggestion", "is_public")}
        if errors or kind is None:
            return None, errors
        new = NewProposal(
            number=number,
            title=title,
            body=body,
            kind=kind,
            proposers=proposers,
            category=category,
            submitted_on=submitted_on,
            is_key=bool(flags["is_key"]),
            is_suggestion=bool(flags["is_suggestion"]),
            is_public=True if flags["is_public"] is None else flags["is_public"],
        )
        return new, []

    def _date(self, value: Any, errors: list[str]) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        day: date | None
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        else:
            m = DATE_TEXT.match(_text(value).strip())
            try:
                day = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
            except ValueError:
                day = None
            if day is None:
                errors.append(f"提交日期“{_text(value)[:20]}”无法识别，请写成 2026-01-12。")
                return None
        if day > self.today:
            errors.append(f"提交日期不能晚于今天（{cn_date(self.today)}）。")
            return None
        return day

    def _flag(self, f: str, value: Any, errors: list[str]) -> bool | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        errors.append(f"“{LABELS[f]}”应填“是”或“否”，不是“{_text(value)[:10]}”。")
        return None


def _cell(value: Any) -> Any:
    """A cell as the checks expect it: an empty cell is None, a whole number an int (Excel stores 12 as 12.0)."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rows(f: IO[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The first sheet's rows, numbered as Excel numbers them. Read with calamine (Rust): the whole sheet
    of a 5,000-row list in a fraction of a second, where openpyxl's XML parsing took seconds."""
    from python_calamine import CalamineWorkbook

    unreadable = "无法读取该 Excel 文件，请用 Excel 打开后重新保存为 .xlsx 再导入。"
    f.seek(0)
    try:
        workbook = CalamineWorkbook.from_filelike(f)
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()  # from the sheet's first row, so enumerate gives Excel's row numbers
    except Exception as exc:  # a damaged part: calamine raises its own errors, and zip or XML ones
        raise InvalidInput(unreadable, details={"reason": "unreadable"}) from exc
    try:
        for n, cells in enumerate(rows, start=1):
            yield n, tuple(_cell(c) for c in cells)
    except DomainError:
        raise
    except Exception as exc:
        raise InvalidInput(unreadable, details={"reason": "unreadable"}) from exc


def plan_import(session: Session, f: IO[bytes], size: int, *, actor: User) -> ImportPlan:
    """Check the file and every row; register nothing."""
    require_staff_of(actor, session.jurisdiction)
    check_file(f, size)
    plan = ImportPlan(session=session)
    checker = _RowChecker(session)
    header: dict[int, str] | None = None
    data_rows = 0
    for n, cells in _rows(f):
        if header is None:
            header = _header(cells)
            if header is None and n >= HEADER_SEARCH_ROWS:
                break
            if header is not None:
                plan.columns = {name: str(cells[i]).strip() for i, name in header.items()}
                plan.ignored = [str(c).strip() for i, c in enumerate(cells) if i not in header and c not in (None, "")]
            continue
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise FileTooLarge(f"表中提案超过 {MAX_ROWS} 行，请分成几个文件导入。", details={"reason": "too_many_rows"})
        values = {name: cells[i] if i < len(cells) else None for i, name in header.items()}
        new, problems = checker.check(n, values)
        if new is not None:
            plan.rows.append(PlannedRow(n, new))
        plan.errors.extend(RowError(n, f"第{n}行：{p}") for p in problems)
    if header is None:
        wanted = "、".join(f"“{LABELS[f]}”" for f in REQUIRED)
        raise InvalidInput(
            f"找不到表头：表的第一行应有{wanted}等列（可用下载的模板）。", details={"reason": "no_header"}
        )
    if data_rows == 0:
        raise InvalidInput("表中没有提案：表头下面还没有填写任何一行。", details={"reason": "no_rows"})
    return plan


class RowsInvalid(RuleViolation):
    """422: rows of the file break the rules; nothing was registered."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            "import_rows_invalid",
            f"有 {len({e.row for e in errors})} 行不符合要求，未导入任何提案。请修改后重新上传。",
            details={"errors": [e.as_json() for e in errors]},
        )
        self.errors = errors


@transaction.atomic
def run_import(plan: ImportPlan, *, actor: User) -> list[Proposal]:
    """Register every planned row, or none: the first refusal (a number registered meanwhile) undoes all."""
    if plan.errors:
        raise RowsInvalid(plan.errors)
    try:
        return register_proposals(plan.session, actor=actor, rows=[r.new for r in plan.rows])
    except DomainError as exc:
        # A check the plan could not make (a number registered meanwhile): named on its row when it has one.
        number = exc.details.get("number")
        row = next((r.row for r in plan.rows if number is not None and r.new.number == number), None)
        if row is None:
            raise
        raise RowsInvalid([RowError(row, f"第{row}行：{exc.message}")]) from exc


def import_proposals(session: Session, f: IO[bytes], size: int, *, actor: User) -> list[Proposal]:
    """Check the file and every row, then register all rows or none."""
    return run_import(plan_import(session, f, size, actor=actor), actor=actor)


# ---------------------------------------------------------------------------------------------------
# The template, and the rows an export writes so that it imports back


EXPORT_FIELDS = ("number", "title", "proposer", "cosigners", "kind", "category", "submitted_on",
                 "is_key", "is_suggestion", "is_public", "body")  # fmt: skip
WIDTHS = {"number": 10, "title": 50, "proposer": 14, "cosigners": 24, "kind": 10, "category": 12,
          "submitted_on": 12, "is_key": 9, "is_suggestion": 8, "is_public": 6, "body": 80}  # fmt: skip


def sheet_columns(*, width: bool = False) -> list[SheetColumn]:
    return [SheetColumn(LABELS[f], width=WIDTHS[f] if width else None) for f in EXPORT_FIELDS]


def proposal_cells(p: Proposal) -> list[Any]:
    """One proposal as a row of the import's columns (its proposers prefetched in position order)."""
    proposers: list[Proposer] = list(p.proposers.all())
    return [
        p.number,
        p.title,
        proposers[0].name if proposers else "",
        "、".join(x.name for x in proposers[1:]),
        p.get_kind_display(),
        p.category,
        p.submitted_on,
        p.is_key,
        p.is_suggestion,
        p.is_public,
        p.body,
    ]


def write_template(out: IO[bytes]) -> None:
    """The blank list to fill in, with one example row to overwrite."""
    example: list[Any] = ["001", "关于加强中小学课后服务的建议", "张委员", "", "个人提案", "教育事业",
                          None, "否", "否", "是", "情况分析：……\n具体建议：一、……二、……"]  # fmt: skip
    write_xlsx(out, sheet_columns(width=True), [example], title="提案")


def as_rows(proposals: Iterable[Proposal]) -> Iterator[list[Any]]:
    for p in proposals:
        yield proposal_cells(p)
