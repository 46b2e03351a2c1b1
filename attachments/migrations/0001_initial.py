import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("handling", "0007_read_path"),
        ("proposals", "0006_year_scope_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Attachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("sealed_reply", "盖章答复函扫描件"),
                            ("photo", "现场办理照片"),
                            ("minutes", "会议纪要"),
                            ("original", "提案原件"),
                            ("other", "其他附件"),
                        ],
                        max_length=20,
                        verbose_name="类别",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="文件名")),
                ("key", models.CharField(editable=False, max_length=100, unique=True, verbose_name="存储名")),
                ("content_type", models.CharField(max_length=100, verbose_name="文件类型")),
                ("size", models.PositiveBigIntegerField(verbose_name="大小（字节）")),
                ("sha256", models.CharField(max_length=64)),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="上传时间")),
                (
                    "assignment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attachments",
                        to="handling.assignment",
                    ),
                ),
                (
                    "proposal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="attachments", to="proposals.proposal"
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "附件",
                "verbose_name_plural": "附件",
                "indexes": [
                    models.Index(fields=["proposal", "id"], name="attachment_proposal_idx"),
                    models.Index(fields=["assignment", "id"], name="attachment_assignment_idx"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("kind__in", ["sealed_reply", "photo", "minutes", "original", "other"])
                        ),
                        name="attachment_kind_valid",
                    )
                ],
            },
        ),
    ]
