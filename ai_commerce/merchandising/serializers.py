from rest_framework import serializers

from .models import Rule, problems


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        exclude = ()
        read_only_fields = ("created_at", "updated_at", "updated_by")

    def validate(self, attrs):
        """Run the rule's own checks (a pin without a product, a boost below 1, ...) and report them per field."""
        rule = Rule(**{f.name: getattr(self.instance, f.name) for f in Rule._meta.concrete_fields}) \
            if self.instance is not None else Rule()
        for name, value in attrs.items():
            setattr(rule, name, value)
        errors = problems(rule)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
