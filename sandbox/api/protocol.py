"""The wire constants both sides of the sandbox API agree on."""

ECS_PREFIX = "AmazonEC2ContainerServiceV20141113."
LAB_PREFIX = "ServiceLab."
JSON_TYPE = "application/x-amz-json-1.1"
