"""infra/template.yaml: lint-clean, least privilege, and the storage settings the product relies on."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.template import TEMPLATE_PATH, Resolver, load_template, pseudo_values, translate_template

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="module")
def cfn(sam: dict[str, Any]) -> dict[str, Any]:
    return translate_template(sam, "us-east-1")


def _functions(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        lid: res["Properties"] for lid, res in sam["Resources"].items() if res["Type"] == "AWS::Serverless::Function"
    }


def _statements(cfn: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every statement of every identity policy (roles, policies) in the translated template."""
    found = []
    for lid, resource in cfn["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [properties["PolicyDocument"]]
        else:
            continue
        found += [(lid, statement) for document in documents for statement in document["Statement"]]
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_template_cfn_lint_reports_nothing() -> None:
    # Given the cfn-lint installed beside this interpreter
    cfn_lint = Path(sys.executable).with_name("cfn-lint")

    # When linting the template
    result = subprocess.run([str(cfn_lint), str(TEMPLATE_PATH)], capture_output=True, text=True, check=False)  # noqa: S603

    # Then there are no errors, warnings or informational findings
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("logical_id", ["IntakeFunction", "RemindersFunction", "PlansFunction", "SlackFunction"])
def test_function_handler_path_names_lambda_handler_in_repo(sam: dict[str, Any], logical_id: str) -> None:
    # Given the function's dotted handler path
    module, _, attribute = _functions(sam)[logical_id]["Handler"].rpartition(".")
    source = ROOT / (module.replace(".", "/") + ".py")

    # When reading the module it names
    assert source.is_file(), f"{source} does not exist yet"
    tree = ast.parse(source.read_text(encoding="utf-8"))

    # Then it defines (or assigns) the handler attribute at module scope
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    names |= {
        t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
    }
    assert attribute in names


def test_iam_policies_no_action_has_wildcard(cfn: dict[str, Any]) -> None:
    # Given every identity-policy statement after the SAM transform
    statements = _statements(cfn)

    # When collecting their actions
    wildcards = [(lid, action) for lid, st in statements for action in _as_list(st.get("Action", [])) if "*" in action]

    # Then none is a wildcard, and none uses NotAction
    assert statements
    assert wildcards == []
    assert not [lid for lid, st in statements if "NotAction" in st]


def test_slack_function_invoke_permission_only_its_own_arn(sam: dict[str, Any], cfn: dict[str, Any]) -> None:
    # Given the Slack function's fixed name, resolved for some stack
    resolver = Resolver(pseudo_values("arrears-prod", "eu-west-1"), {}, lambda *_: "")
    name = resolver.resolve(_functions(sam)["SlackFunction"]["FunctionName"])
    own_arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"

    # When collecting every lambda:InvokeFunction / GetFunction grant of its role
    grants = [
        resolver.resolve(resource)
        for lid, st in _statements(cfn)
        if lid == "SlackFunctionRole" and {"lambda:InvokeFunction", "lambda:GetFunction"} & set(_as_list(st["Action"]))
        for resource in _as_list(st["Resource"])
    ]

    # Then they name its own ARN and nothing else
    assert grants == [own_arn]


def test_sms_statement_is_the_only_star_resource(cfn: dict[str, Any]) -> None:
    # Given every identity-policy statement
    star = [(lid, st["Action"]) for lid, st in _statements(cfn) if "*" in _as_list(st.get("Resource", []))]

    # Then only direct-to-phone SMS (no ARN exists for a phone number) uses Resource "*"
    assert star == [("RemindersFunctionRole", ["sns:Publish"])]


def test_inbox_bucket_encrypted_versioned_private_tls_only(sam: dict[str, Any]) -> None:
    # Given the bucket and its policy
    bucket = sam["Resources"]["InboxBucket"]["Properties"]
    policy = sam["Resources"]["InboxBucketPolicy"]["Properties"]

    # Then it is encrypted, versioned, expires noncurrent versions and blocks every kind of public access
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert any("NoncurrentVersionExpiration" in r for r in bucket["LifecycleConfiguration"]["Rules"])
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    # And its policy denies any request that is not TLS, on the bucket and on its objects
    assert policy["Bucket"] == {"Ref": "InboxBucket"}
    deny = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and len(s["Resource"]) == 2 for s in deny)


def test_table_keys_gsis_pitr_sse_ttl(sam: dict[str, Any]) -> None:
    # Given the single table
    table = sam["Resources"]["Table"]["Properties"]

    # Then keys, billing, recovery, encryption and expiry are as the access patterns need
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    # And every index the pynamodb models query exists with the same keys and projection
    from pynamodb.indexes import GlobalSecondaryIndex

    from shared.db.models import ALL_MODELS

    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    declared = {
        index.Meta.index_name: index
        for model in ALL_MODELS
        for index in vars(model).values()
        if isinstance(index, GlobalSecondaryIndex)
    }
    assert sorted(declared) == sorted(indexes)
    for name, index in declared.items():
        keys = [(k["AttributeName"], k["KeyType"]) for k in indexes[name]["KeySchema"]]
        assert keys == [(f"{name}pk", "HASH"), (f"{name}sk", "RANGE")]
        assert types[f"{name}pk"] == types[f"{name}sk"] == "S"
        projection = indexes[name]["Projection"]
        assert projection["ProjectionType"] == index.Meta.projection.projection_type
        assert sorted(projection.get("NonKeyAttributes", [])) == sorted(
            getattr(index.Meta.projection, "non_key_attributes", None) or []
        )


def test_queues_encrypted_redriven_and_outlast_intake(sam: dict[str, Any]) -> None:
    # Given both queues and the intake function
    resources = sam["Resources"]
    intake, failure = resources["IntakeQueue"]["Properties"], resources["FailureQueue"]["Properties"]
    timeout = _functions(sam)["IntakeFunction"].get("Timeout", sam["Globals"]["Function"]["Timeout"])

    # Then both are encrypted, failures are kept 14 days, and intake redrives to the failure queue
    assert intake["SqsManagedSseEnabled"] is True and failure["SqsManagedSseEnabled"] is True
    assert failure["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert intake["VisibilityTimeout"] > timeout
    assert intake["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["FailureQueue", "Arn"]}


def test_every_function_retries_twice_then_fails_to_failure_queue(sam: dict[str, Any]) -> None:
    # Given every function's asynchronous invocation config
    configs = {lid: props["EventInvokeConfig"] for lid, props in _functions(sam).items()}

    # Then each retries twice and sends exhausted events to the failure queue
    assert len(configs) == 4
    for config in configs.values():
        assert config["MaximumRetryAttempts"] == 2
        assert config["DestinationConfig"]["OnFailure"] == {
            "Type": "SQS",
            "Destination": {"Fn::GetAtt": ["FailureQueue", "Arn"]},
        }


def test_globals_arm64_traced_python3(sam: dict[str, Any]) -> None:
    # Given the function globals
    function = sam["Globals"]["Function"]

    # Then functions run on arm64 with tracing on a current Python, packaged from the repository root
    assert function["Architectures"] == ["arm64"]
    assert function["Tracing"] == "Active"
    assert function["Runtime"] in ("python3.12", "python3.13")
    assert function["CodeUri"] == ".."


@pytest.mark.parametrize("logical_id", ["IntakeFunction", "RemindersFunction", "PlansFunction", "SlackFunction"])
def test_function_environment_sets_every_required_setting(cfn: dict[str, Any], logical_id: str) -> None:
    # Given the settings model next to the function's handler (functions/<name>/env.py)
    package = cfn["Resources"][logical_id]["Properties"]["Handler"].rsplit(".", 2)[0]
    if not (ROOT / package.replace(".", "/") / "env.py").is_file():
        pytest.skip(f"{package}.env is not written yet")
    settings = importlib.import_module(f"{package}.env").Settings
    required = {name.upper() for name, field in settings.model_fields.items() if field.is_required()}

    # When reading the variables the template gives the function (globals merged in by SAM)
    variables = set(cfn["Resources"][logical_id]["Properties"]["Environment"]["Variables"])

    # Then every required setting is set by the template
    assert required <= variables, f"missing in template: {sorted(required - variables)}"
