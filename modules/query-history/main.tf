# Every "Redshift Data Statement Status Change" event of the spec's statements (a name prefix), kept
# in a CloudWatch Logs group: the Data API itself keeps statements 24 hours. The queries run with
# WithEvent = true so that the Data API sends these events.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:The events hold statement ids, names, states and row counts (no SQL, no results); CloudWatch Logs encrypts every log group at rest.
  #checkov:skip=CKV_AWS_338:The retention is the spec's history.retain_days, chosen by its owner.
  name              = var.log_group_name
  retention_in_days = var.retain_days
  tags              = var.tags
}

# EventBridge writes to CloudWatch Logs through the log group's resource policy, never a role
# (EventBridge User Guide, "Using resource-based policies": CloudWatch Logs permissions). The
# document comes decided (rsqgen's deploy stage) and written out whole: CreateLogStream without a
# condition, PutLogEvents only for the history rule (aws:SourceArn), as AWS's own sample does.
resource "aws_cloudwatch_log_resource_policy" "this" {
  policy_name     = var.rule_name
  policy_document = jsonencode(var.writer_policy)
}

resource "aws_cloudwatch_event_rule" "this" {
  name        = var.rule_name
  description = "Keep the outcome of every statement named ${var.statement_prefix}*${length(var.statement_names) > 0 ? " (and ${length(var.statement_names)} more)" : ""} for ${var.retain_days} days (rsqgen history)"
  tags        = var.tags

  event_pattern = jsonencode({
    source        = ["aws.redshift-data"]
    "detail-type" = ["Redshift Data Statement Status Change"]
    detail = {
      statementName = concat([{ prefix = var.statement_prefix }], var.statement_names)
    }
  })
}

resource "aws_cloudwatch_event_target" "this" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "history-log"
  arn       = aws_cloudwatch_log_group.this.arn

  depends_on = [aws_cloudwatch_log_resource_policy.this]
}
