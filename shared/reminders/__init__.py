"""The reminder run: a use case of the reminders function (scheduled) and of Slack (its preview)."""
