"""The benches' faster moto Query (tests/support.py) answers exactly what moto answers: only its speed differs."""

from __future__ import annotations

from typing import Any

import boto3

from tests.factories import TABLE
from tests.support import moto_with_partition_queries


def _queries(client: Any) -> list[list[dict[str, Any]]]:
    """A table query with a range condition, descending with a limit and a page after it; an LSI query; a GSI
    query; a partition that does not exist."""
    asked = [
        {"KeyConditionExpression": "pk = :p AND begins_with(sk, :s)", "ExpressionAttributeValues":
            {":p": {"S": "ACCT#a:1"}, ":s": {"S": "ACT#"}}},
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "ACCT#a:2"}},
         "ScanIndexForward": False, "Limit": 3},
        {"IndexName": "lsi1", "KeyConditionExpression": "pk = :p AND lsi1sk >= :t", "ConsistentRead": True,
         "ExpressionAttributeValues": {":p": {"S": "ACCT#a:1"}, ":t": {"S": "ACT#2026-11-02"}}},
        {"IndexName": "gsi2", "KeyConditionExpression": "gsi2pk = :p AND gsi2sk <= :t",
         "ExpressionAttributeValues": {":p": {"S": "REMIND#3"}, ":t": {"S": "2026-11-05#~"}}},
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "ACCT#none"}}},
    ]  # fmt: skip
    answers = []
    for query in asked:
        answer = client.query(TableName=TABLE, **query)
        answers.append(answer["Items"])
        if "LastEvaluatedKey" in answer:
            answers.append(
                client.query(TableName=TABLE, ExclusiveStartKey=answer["LastEvaluatedKey"], **query)["Items"]
            )
    return answers


def test_partition_queries_answer_what_moto_answers(aws):
    # Given accounts with activities, contacts on the LSI and due entries on a GSI, in several partitions
    client = boto3.client("dynamodb")
    for n in range(1, 4):
        pk = {"S": f"ACCT#a:{n}"}
        item = {"pk": pk, "sk": {"S": "A"}, "gsi2pk": {"S": f"REMIND#{n}"}, "gsi2sk": {"S": f"2026-11-0{n}#x"}}
        client.put_item(TableName=TABLE, Item=item)
        for day in range(1, 6):
            act = {"pk": pk, "sk": {"S": f"ACT#2026-11-0{day}#{n}"}, "lsi1sk": {"S": f"ACT#2026-11-0{day}"}}
            client.put_item(TableName=TABLE, Item=act)
    # When the same queries run with moto's Query and with the partition-only one
    plain = _queries(client)
    with moto_with_partition_queries():
        fast = _queries(client)
    # Then the answers are the same, item for item and page for page
    assert fast == plain
    assert [len(items) for items in plain] == [5, 3, 3, 4, 1, 0]
