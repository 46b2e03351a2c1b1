"""Response models of the attachment endpoints: the shapes of ``attachments.serialize``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas import Out, page_of
from attachments.files import TYPES
from attachments.models import Kind


class UploaderOut(BaseModel):
    id: int
    name: str


class AttachmentOut(Out):
    id: int
    name: str = Field(description="文件名（上传时的名称，去除路径与控制字符，仅供显示）")
    kind: Kind
    size: int = Field(description="字节数")
    content_type: str = Field(description="按文件内容判定的类型")
    uploaded_by: UploaderOut
    at: datetime
    proposal_id: int
    assignment_id: int | None = Field(description="属于某一承办单位的办理时为交办记录 id；提案本身的附件为 null")
    department: str | None
    sha256: str
    url: str = Field(description="下载地址（GET /api/v1/attachments/{id}）")


AttachmentPage = page_of(AttachmentOut, "AttachmentPage")


def upload_doc(kinds: tuple[Kind, ...]) -> dict[str, object]:
    """The multipart body of an upload, for the OpenAPI document (parsed in the view, after the access checks)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "kind"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": "PDF、JPEG、PNG、DOCX 或 XLSX",
                            },
                            "kind": {"type": "string", "enum": [k.value for k in kinds]},
                        },
                    }
                }
            },
        }
    }


# The download answers with the type read from the file at upload.
DOWNLOAD_DOC = {
    "responses": {
        200: {
            "description": "附件文件（Content-Disposition: attachment）",
            "content": {t.content_type: {"schema": {"type": "string", "format": "binary"}} for t in TYPES},
        }
    }
}
