# The Data API emits "Redshift Data Statement Status Change" when a statement run with
# WithEvent = true ends. AWS delivers these events on a best-effort basis.
resource "aws_cloudwatch_event_rule" "this" {
  name        = var.name
  description = "Status of scheduled query ${var.statement_name}: ${join(", ", var.states)}"
  state       = var.enabled ? "ENABLED" : "DISABLED"
  tags        = var.tags

  event_pattern = jsonencode({
    source        = ["aws.redshift-data"]
    "detail-type" = ["Redshift Data Statement Status Change"]
    detail = {
      statementName = [var.statement_name]
      state         = var.states
    }
  })
}

resource "aws_cloudwatch_event_target" "this" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "notify-status"
  arn       = var.topic_arn
}
