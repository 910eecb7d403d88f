"""infra/template.yaml: lint-clean, least privilege, and the storage settings the product relies on."""

import ast
import copy
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.template import TEMPLATE_PATH, Resolver, load_template, pseudo_values, references, translate_template

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


@pytest.mark.parametrize(
    "logical_id", ["IntakeFunction", "RemindersFunction", "PlansFunction", "SlackFunction", "UnsubscribeFunction"]
)
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


def test_slack_function_invoke_permission_only_its_own_alias(sam: dict[str, Any], cfn: dict[str, Any]) -> None:
    # Given the Slack function's fixed name, resolved for some stack, and the alias its URL invokes
    resolver = Resolver(pseudo_values("arrears-prod", "eu-west-1"), {}, lambda *_: "")
    slack = _functions(sam)["SlackFunction"]
    name = resolver.resolve(slack["FunctionName"])
    own_arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{name}:{slack['AutoPublishAlias']}"

    # When collecting every lambda:InvokeFunction / GetFunction grant of its role
    grants = [
        resolver.resolve(resource)
        for lid, st in _statements(cfn)
        if lid == "SlackFunctionRole" and {"lambda:InvokeFunction", "lambda:GetFunction"} & set(_as_list(st["Action"]))
        for resource in _as_list(st["Resource"])
    ]

    # Then they name its own alias (Bolt invokes the ARN it was invoked by) and nothing else
    assert grants == [own_arn]


def test_slack_function_cold_start_resumes_a_snapshot_through_its_alias(cfn: dict[str, Any]) -> None:
    # Given the translated Slack function and what points at it
    resources = cfn["Resources"]
    function = resources["SlackFunction"]["Properties"]
    alias = next(lid for lid, r in resources.items() if r["Type"] == "AWS::Lambda::Alias" and lid.startswith("Slack"))

    # Then SnapStart snapshots each published version, and the URL, its public permission and the async retry
    # settings of the lazy self-invokes all name the alias (an unpublished $LATEST would start cold)
    assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert resources["SlackFunctionUrl"]["Properties"]["TargetFunctionArn"] == {"Ref": alias}
    assert resources["SlackFunctionURLInvokeAllowPublicAccess"]["Properties"]["FunctionName"] == {"Ref": alias}
    assert resources["SlackFunctionEventInvokeConfig"]["Properties"]["Qualifier"] == "live"
    # And no parameters extension: it needs AWS_SESSION_TOKEN, which a SnapStart function does not get
    assert function["Layers"] == [{"Ref": next(lid for lid in resources if lid.startswith("DependenciesLayer"))}]
    assert "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT" not in function["Environment"]["Variables"]


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
    from pynamodb.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

    from shared.db.models import ALL_MODELS

    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"] + table["LocalSecondaryIndexes"]}
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    declared = {
        index.Meta.index_name: index
        for model in ALL_MODELS
        for index in vars(model).values()
        if isinstance(index, GlobalSecondaryIndex | LocalSecondaryIndex)
    }
    assert sorted(declared) == sorted(indexes)
    for name, index in declared.items():
        keys = [(k["AttributeName"], k["KeyType"]) for k in indexes[name]["KeySchema"]]
        hash_key = "pk" if isinstance(index, LocalSecondaryIndex) else f"{name}pk"
        assert keys == [(hash_key, "HASH"), (f"{name}sk", "RANGE")]
        assert types[hash_key] == types[f"{name}sk"] == "S"
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
    assert len(configs) == 7
    for config in configs.values():
        assert config["MaximumRetryAttempts"] == 2
        assert config["DestinationConfig"]["OnFailure"] == {
            "Type": "SQS",
            "Destination": {"Fn::GetAtt": ["FailureQueue", "Arn"]},
        }


def test_globals_arm64_python313_code_from_makefile_dependencies_from_layer(sam: dict[str, Any]) -> None:
    # Given the function globals and every function
    function = sam["Globals"]["Function"]
    functions = _functions(sam)

    # Then functions run on arm64 Python 3.13 without X-Ray (no SDK is shipped), share the dependencies layer,
    # and are each built by the Makefile's build-<LogicalId> target from the repository root
    assert function["Architectures"] == ["arm64"]
    assert function["Runtime"] == "python3.13"
    assert "Tracing" not in function and all("Tracing" not in props for props in functions.values())
    assert function["CodeUri"] == ".."
    assert function["Layers"] == [{"Ref": "DependenciesLayer"}]
    for logical_id in [*functions, "DependenciesLayer"]:
        assert sam["Resources"][logical_id]["Metadata"]["BuildMethod"] == "makefile"
        dry_run = subprocess.run(  # noqa: S603 - what `sam build` will run, printed and not run
            ["make", "-n", f"build-{logical_id}", "ARTIFACTS_DIR=/artifacts", "PY313=python3.13"],  # noqa: S607
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "-m local.package" in dry_run.stdout and "/artifacts" in dry_run.stdout
    layer = sam["Resources"]["DependenciesLayer"]
    assert layer["Metadata"]["BuildArchitecture"] == "arm64"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]


def test_every_function_logs_to_its_own_group_with_retention(sam: dict[str, Any]) -> None:
    # Given each function's logging configuration
    resources = sam["Resources"]
    groups = {lid: props["LoggingConfig"]["LogGroup"]["Ref"] for lid, props in _functions(sam).items()}

    # Then each names its own log group, which keeps logs for the LogRetentionDays parameter (90 by default)
    assert len(set(groups.values())) == len(groups) >= 4
    for group in groups.values():
        assert resources[group]["Type"] == "AWS::Logs::LogGroup"
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert sam["Parameters"]["LogRetentionDays"]["Default"] == 90


def test_alarms_on_failure_queue_and_every_function_notify_the_alarm_topic(sam: dict[str, Any]) -> None:
    # Given every alarm of the template
    alarms = {
        lid: res["Properties"] for lid, res in sam["Resources"].items() if res["Type"] == "AWS::CloudWatch::Alarm"
    }
    topic = {"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}

    # Then the failure queue depth and each function's errors raise an alarm that notifies the topic
    watched = {
        (props["MetricName"], next(iter(references(dimension["Value"]))))
        for props in alarms.values()
        for dimension in props["Dimensions"]
    }
    assert ("ApproximateNumberOfMessagesVisible", "FailureQueue") in watched
    assert {("Errors", lid) for lid in _functions(sam)} <= watched
    assert all(props["AlarmActions"] == [topic] for props in alarms.values())
    assert sam["Parameters"]["AlarmTopicArn"]["Default"] == ""


def test_functions_and_stores_are_tagged(sam: dict[str, Any]) -> None:
    # Given the function globals and the stores that hold collection data
    stores = ["InboxBucket", "Table", "IntakeQueue", "FailureQueue"]

    # Then they carry the application tag (functions propagate theirs to their roles)
    assert sam["Globals"]["Function"]["Tags"]["application"] == "arrears"
    assert sam["Globals"]["Function"]["PropagateTags"] is True
    for lid in stores:
        assert {"Key": "application", "Value": "arrears"} in sam["Resources"][lid]["Properties"]["Tags"]


def test_samconfig_deploys_this_template_with_only_its_parameters(sam: dict[str, Any]) -> None:
    # Given the committed SAM CLI configuration
    import tomllib

    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))["default"]
    deploy = config["deploy"]["parameters"]

    # Then build reads this template in place, deploy resolves its bucket and may create the functions' roles
    assert config["build"]["parameters"]["template_file"] == "infra/template.yaml"
    assert config["build"]["parameters"]["build_in_source"] is True
    assert deploy["resolve_s3"] is True
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    # And every parameter it sets is one the template declares; secrets are only SSM parameter names
    overrides = dict(item.split("=", 1) for item in deploy["parameter_overrides"])
    assert set(overrides) <= set(sam["Parameters"])
    assert all(overrides[name].startswith("/") for name in overrides if name.endswith("Param"))
    assert not [name for name in sam["Parameters"] if "Secret" in name and not name.endswith("Param")]


@pytest.mark.parametrize(
    "logical_id", ["IntakeFunction", "RemindersFunction", "PlansFunction", "SlackFunction", "UnsubscribeFunction"]
)
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


def test_slack_function_url_concurrency_is_reserved(sam: dict[str, Any]) -> None:
    # Given the functions with a public Function URL
    public = {lid: props for lid, props in _functions(sam).items() if "FunctionUrlConfig" in props}

    # Then each has reserved concurrency, a parameter with a small default, so a flood cannot take the account's
    assert list(public) == ["SlackFunction", "UnsubscribeFunction"]
    for lid, props in public.items():
        parameter = lid.removesuffix("Function") + "ReservedConcurrency"
        assert props["ReservedConcurrentExecutions"] == {"Ref": parameter}
        assert 1 <= sam["Parameters"][parameter]["Default"] <= 50


def test_unsubscribe_endpoint_is_what_reminders_link_to_and_reads_only_what_it_needs(
    sam: dict[str, Any], cfn: dict[str, Any]
) -> None:
    # Given the unsubscribe function and the reminders that link to it
    functions = _functions(sam)
    unsubscribe, reminders = functions["UnsubscribeFunction"], functions["RemindersFunction"]

    # Then its URL is public (the token is the check) and is the base of the reminders' links; both read the
    # signing key by its parameter's name
    assert unsubscribe["FunctionUrlConfig"] == {"AuthType": "NONE"}
    variables = reminders["Environment"]["Variables"]
    assert variables["UNSUBSCRIBE_URL"] == {"Fn::GetAtt": ["UnsubscribeFunctionUrl", "FunctionUrl"]}
    key = {"Ref": "UnsubscribeKeyParam"}
    assert variables["UNSUBSCRIBE_KEY_PARAM"] == unsubscribe["Environment"]["Variables"]["UNSUBSCRIBE_KEY_PARAM"] == key
    # and its role reads and writes account items on the table itself (no index) and reads the key only
    statements = {st["Sid"]: st for lid, st in _statements(cfn) if lid == "UnsubscribeFunctionRole" and "Sid" in st}
    assert statements["TableReadWrite"]["Action"] == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert statements["TableReadWrite"]["Resource"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert statements["UnsubscribeKey"]["Action"] == ["ssm:GetParameter"]
    assert "UnsubscribeKeyParam" in set(references(statements["UnsubscribeKey"]["Resource"]))
    assert set(statements) == {"TableReadWrite", "UnsubscribeKey", "SsmDefaultKey"}


def test_table_is_deletion_protected_and_retained(sam: dict[str, Any]) -> None:
    # Given the table that holds every collection record
    table = sam["Resources"]["Table"]

    # Then neither a delete call nor a stack delete or replacement can remove it
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize(
    ("prefix", "days"), [("processed/", 400), ("rejected/", 90), ("quarantine/", 90), ("reports/", 90)]
)
def test_bucket_contact_data_prefixes_expire(sam: dict[str, Any], prefix: str, days: int) -> None:
    # Given the bucket's lifecycle rules
    rules = sam["Resources"]["InboxBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]

    # Then the raw files under the prefix (contact data) expire, and so do their noncurrent versions
    (rule,) = [r for r in rules if r.get("Prefix") == prefix]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == days
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 90


def test_iam_policies_name_only_real_actions(cfn: dict[str, Any]) -> None:
    # Given every identity-policy action; Then none is a transaction action (items are authorised one by one)
    # or a grant no code path needs (measured by tests/e2e/test_iam_actions.py)
    actions = {action for _, st in _statements(cfn) for action in _as_list(st.get("Action", []))}
    assert not actions & {"dynamodb:TransactWriteItems", "dynamodb:TransactGetItems", "lambda:GetFunction"}
    assert "ses:SendRawEmail" not in actions


def test_sms_grant_cannot_publish_to_topics(cfn: dict[str, Any]) -> None:
    # Given the reminders role's statements about sns:Publish
    statements = [st for lid, st in _statements(cfn) if "sns:Publish" in _as_list(st["Action"])]

    # Then the "*" allow (direct SMS has no ARN) comes with a deny on every topic and platform endpoint
    assert {st["Effect"] for st in statements} == {"Allow", "Deny"}
    (deny,) = [st for st in statements if st["Effect"] == "Deny"]
    assert deny["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}


def test_stores_of_contact_data_are_encrypted(sam: dict[str, Any]) -> None:
    # Given every queue and topic of the template
    resources = sam["Resources"]
    queues = [res["Properties"] for res in resources.values() if res["Type"] == "AWS::SQS::Queue"]
    topics = [res["Properties"] for res in resources.values() if res["Type"] == "AWS::SNS::Topic"]

    # Then each is encrypted at rest (SQS-managed SSE or KMS; the topic with KMS)
    assert queues and topics
    assert all(q.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in q for q in queues)
    assert all("KmsMasterKeyId" in t for t in topics)


def _slack_version(sam: dict[str, Any]) -> str:
    cfn = translate_template(sam, "us-east-1")
    (version,) = [lid for lid, r in cfn["Resources"].items() if r["Type"] == "AWS::Lambda::Version"]
    assert cfn["Resources"][version]["DeletionPolicy"] == "Delete"  # the replaced version and its snapshot go
    return version


def test_slack_publishes_a_new_snapshot_when_its_dependencies_or_settings_change(sam: dict[str, Any]) -> None:
    # Given the Slack function's published version as the template stands
    deployed = _slack_version(sam)

    # When only the dependencies layer changes (`sam package` gives new content a new location, which is one of
    # its properties), or only a setting other than code and environment does
    new_layer = copy.deepcopy(sam)
    new_layer["Resources"]["DependenciesLayer"]["Properties"]["Description"] += " (new lock)"
    longer = copy.deepcopy(sam)
    longer["Resources"]["SlackFunction"]["Properties"]["Timeout"] = 90

    # Then each publishes a new version, so the alias (and the URL) serves a snapshot of what is deployed
    assert len({deployed, _slack_version(new_layer), _slack_version(longer)}) == 3
    assert _slack_version(copy.deepcopy(sam)) == deployed  # and nothing changed, nothing published


def test_functions_reading_a_secret_may_only_get_that_parameter_through_the_extension_unless_snapstart(
    sam: dict[str, Any], cfn: dict[str, Any]
) -> None:
    # Given every function whose environment names an SSM parameter (a secret, by name)
    readers = {
        lid: props
        for lid, props in _functions(sam).items()
        if any(name.endswith("_PARAM") for name in props.get("Environment", {}).get("Variables", {}))
    }
    assert sorted(readers) == ["NotifyFunction", "RemindersFunction", "SlackFunction", "UnsubscribeFunction"]
    layer = sam["Parameters"]["ParametersExtensionLayer"]["Default"]

    for lid, props in readers.items():
        # Then, unless it runs with SnapStart (no session token for the extension: it calls SSM itself), it runs
        # AWS's Parameters and Secrets extension beside the dependencies and tells the code its port
        translated = cfn["Resources"][lid]["Properties"]
        variables = props["Environment"]["Variables"]
        if "SnapStart" not in props:
            assert translated["Layers"][1:] == [{"Ref": "ParametersExtensionLayer"}], lid
            assert variables["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == "2773"
            assert variables["SSM_PARAMETER_STORE_TTL"] == "300"  # the cache of five minutes the code had before
        # And its role reads exactly the parameters it names, with the one action its reads call: the extension's
        # GetParameter, or (SnapStart, two secrets) one GetParameters call for both
        names = {f"parameter${{{ref['Ref']}}}" for key, ref in variables.items() if key.endswith("_PARAM")}
        role = translated["Role"]["Fn::GetAtt"][0]
        ssm = [
            statement
            for policy in cfn["Resources"][role]["Properties"]["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]
            if any(str(action).startswith("ssm:") for action in _as_list(statement["Action"]))
        ]
        action = "ssm:GetParameters" if "SnapStart" in props else "ssm:GetParameter"
        assert [statement["Action"] for statement in ssm] == [[action]], lid
        resources = {str(r["Fn::Sub"]).rsplit(":", 1)[-1] for r in _as_list(ssm[0]["Resource"])}
        assert resources == names, lid
    # And the default is AWS's arm64 build of the extension (the functions' architecture) in us-east-1
    assert layer.startswith("arn:aws:lambda:us-east-1:")
    assert ":layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:" in layer


def test_ses_publishes_every_event_the_reminders_function_acts_on(sam: dict[str, Any]) -> None:
    # Send and Delivery settle an attempt; Reject and Rendering Failure fail it; a permanent Bounce marks the address
    # bad (and takes back a notice it carried); a Complaint opts the address out. SES sends only the types listed.
    (destination,) = [r["Properties"]["EventDestination"] for r in sam["Resources"].values()
                      if r["Type"] == "AWS::SES::ConfigurationSetEventDestination"]  # fmt: skip
    wanted = {"send", "delivery", "reject", "renderingFailure", "bounce", "complaint"}
    assert wanted <= set(destination["MatchingEventTypes"])
