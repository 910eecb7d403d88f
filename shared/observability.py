"""The one Logger of every function (service name from POWERTOOLS_SERVICE_NAME).

Tracing is off (no X-Ray SDK is shipped) and no custom metrics are emitted: CloudWatch's own Lambda and SQS
metrics drive the alarms in infra/template.yaml, so no Tracer or Metrics object is created.
"""

from aws_lambda_powertools import Logger

logger = Logger()
