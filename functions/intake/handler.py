"""Intake Lambda: S3 ObjectCreated under incoming/ (and continuation messages) import receivables files."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.intake.env import Settings
from functions.intake.logic import IntakePorts, handle_object, handle_part
from functions.intake.models import objects_in
from functions.intake.parts import parts_in
from shared import clock as wallclock
from shared.adapters.aws import QueuedNotifier, S3Store, SqsQueue
from shared.db.models import configure
from shared.observability import logger

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = IntakePorts(
        store=S3Store(settings.bucket_name),
        notifier=QueuedNotifier(settings.notify_queue_url),
        queue=SqsQueue(settings.intake_queue_url),
        channel=settings.ops_channel,
        default_creditor=settings.default_creditor,
        clock=wallclock.utcnow,
        parts=SqsQueue(settings.intake_parts_queue_url) if settings.intake_parts_queue_url else None,
        parts_from_bytes=settings.parallel_import_bytes,
    )
    results = {
        obj.key: handle_object(obj, ports, wallclock.utcnow(), context.get_remaining_time_in_millis)
        for obj in objects_in(event)
    }
    applied = [handle_part(part, ports, wallclock.utcnow(), receives) for part, receives in parts_in(event)]
    return {"results": results} | ({"parts": applied} if applied else {})
