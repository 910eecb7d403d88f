"""Unsubscribe Lambda: the Function URL every reminder email links to (List-Unsubscribe, RFC 8058 one-click)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.unsubscribe.env import Settings
from functions.unsubscribe.logic import answer_link
from functions.unsubscribe.models import Page, read_request
from shared import clock as wallclock
from shared.adapters.secrets import secret
from shared.db.accounts import DynamoAccounts
from shared.db.models import configure
from shared.domain.errors import ConflictError, InvalidInputError, UpstreamUnavailableError
from shared.domain.unsubscribe import signing_key
from shared.observability import logger

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)
key = signing_key(secret(settings.unsubscribe_key_param))


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        page = answer_link(read_request(event), key, DynamoAccounts(), wallclock.utcnow())
    except InvalidInputError as exc:  # a bad, altered or expired link: said plainly, no traceback
        logger.info("unsubscribe link refused", extra={"reason": type(exc).__name__})
        page = Page(400, "This link does not work", f"{exc}. To stop our emails, contact us by mail or phone.")
    except (ConflictError, UpstreamUnavailableError) as exc:
        logger.warning("unsubscribe not recorded", extra={"error": type(exc).__name__})
        page = Page(503, "Please try again", "We could not record this just now; please try again in a minute.")
    return page.response()
