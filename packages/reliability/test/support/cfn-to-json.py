"""Prints a CloudFormation YAML template as JSON, keeping short-form tags: `!Sub x` becomes
{"Fn::Sub": x}, `!GetAtt A.B` {"Fn::GetAtt": ["A", "B"]}, `!Ref X` {"Ref": X}. Uses PyYAML, which
ships with cfn-lint and the AWS CLI (no YAML parser is an npm dependency of this repo)."""
import json
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


def construct(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Fn::" + suffix: value}


Loader.add_multi_constructor("!", construct)

with open(sys.argv[1], encoding="utf-8") as handle:
    json.dump(yaml.load(handle, Loader=Loader), sys.stdout, default=str)
