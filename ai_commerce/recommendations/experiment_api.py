"""Staff-only DRF endpoints of experiments (in the OpenAPI schema).

- ``/ai/api/recommendations/experiments/``: list, create, read, update and delete experiments with their arms
  (``arms: [{"name", "version" (id, or null for the popularity baseline), "weight", "is_control"}]``); a split that
  does not add up to 100%, arms that are not recommendations versions with serving rows, no single control, or a
  planned sample too large to store (a tiny base rate and effect) are 400 field errors. Only a draft can change.
- ``POST .../<id>/start/``, ``stop/``, ``conclude/`` (body ``{"winner": arm id or null}``; activates the winner's
  version); a refused step answers 409 with the reason.
- ``GET .../<id>/results/``: per arm visitors, impressions, clicks, conversions, revenue, the difference to the
  control with its interval, and the verdict (see ``verdict``).

Callers must be staff with the experiment model's Django permissions, as in the admin.
"""

from django.db import transaction
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ai_commerce.api import APISchema, JSONErrors
from ai_commerce.models import ModelVersion
from ai_commerce.permissions import StaffModelPermissions

from . import experiments
from .models import Experiment, ExperimentArm

STEPS = ("start", "stop", "conclude")


class ArmSerializer(serializers.ModelSerializer):
    version = serializers.PrimaryKeyRelatedField(queryset=ModelVersion.objects.all(), allow_null=True,
                                                 required=False)

    class Meta:
        model = ExperimentArm
        fields = ("id", "name", "version", "weight", "is_control")


class ExperimentSerializer(serializers.ModelSerializer):
    arms = ArmSerializer(many=True)

    class Meta:
        model = Experiment
        fields = ("id", "name", "placements", "metric", "base_rate", "min_effect_pct", "significance", "power",
                  "planned_per_arm", "status", "starts_at", "stops_at", "winner", "arms", "created_at")
        read_only_fields = ("planned_per_arm", "status", "winner", "created_at")

    def validate(self, attrs):
        if self.instance is not None and self.instance.status != Experiment.Status.DRAFT:
            raise serializers.ValidationError({"status": "only a draft can change; stop it and create another"})
        experiment = Experiment(**{**self._current(), **{k: v for k, v in attrs.items() if k != "arms"}})
        arms = [ExperimentArm(**arm) for arm in attrs.get("arms", self._current_arms())]
        errors = experiments.problems(experiment, arms)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _current(self):
        if self.instance is None:
            return {}
        return {f: getattr(self.instance, f) for f in ("name", "placements", "metric", "base_rate", "min_effect_pct",
                                                       "significance", "power", "starts_at", "stops_at")}

    def _current_arms(self):
        if self.instance is None:
            return []
        return [{"name": a.name, "version": a.version, "weight": a.weight, "is_control": a.is_control}
                for a in self.instance.arms.all()]

    @transaction.atomic
    def create(self, validated_data):
        arms = validated_data.pop("arms")
        experiment = Experiment.objects.create(**validated_data)
        ExperimentArm.objects.bulk_create(ExperimentArm(experiment=experiment, **arm) for arm in arms)
        return experiment

    @transaction.atomic
    def update(self, instance, validated_data):
        arms = validated_data.pop("arms", None)
        instance = super().update(instance, validated_data)
        if arms is not None:
            instance.arms.all().delete()
            ExperimentArm.objects.bulk_create(ExperimentArm(experiment=instance, **arm) for arm in arms)
        return instance


class StepSchema(APISchema):
    """Bodiless steps (but conclude's winner); results answer with the verdict."""

    def get_request_serializer(self):
        if self.view.action in ("start", "stop", "results"):
            return None
        return ConcludeSerializer() if self.view.action == "conclude" else super().get_request_serializer()

    def get_response_serializers(self):
        return ResultsSerializer() if self.view.action == "results" else super().get_response_serializers()


class ConcludeSerializer(serializers.Serializer):
    winner = serializers.IntegerField(allow_null=True, required=False, help_text="An arm id, or null: no winner.")


class ArmResultSerializer(serializers.Serializer):
    arm = serializers.IntegerField(source="arm.pk")
    name = serializers.CharField(source="arm.name")
    visitors = serializers.IntegerField()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    revenue = serializers.FloatField()
    rate = serializers.FloatField(allow_null=True, help_text="The primary metric of this arm.")
    diff = serializers.FloatField(allow_null=True, help_text="Difference to the control.")
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    p = serializers.FloatField(allow_null=True)
    reached = serializers.BooleanField(help_text="Whether the arm has the planned sample.")


class VerdictSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["too_early", "winner", "control_better", "no_difference", "invalid"])
    winner = serializers.IntegerField(source="winner.pk", allow_null=True, default=None)
    text = serializers.CharField()


class ResultsSerializer(serializers.Serializer):
    arms = ArmResultSerializer(many=True)
    verdict = VerdictSerializer()
    horizon = serializers.CharField()


class ExperimentViewSet(JSONErrors, viewsets.ModelViewSet):
    queryset = Experiment.objects.prefetch_related("arms")
    serializer_class = ExperimentSerializer
    permission_classes = [StaffModelPermissions]
    decisions = STEPS
    schema = StepSchema()

    def _step(self, experiment, step, *args):
        try:
            step(experiment, *args)
        except experiments.ExperimentRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(ExperimentSerializer(Experiment.objects.get(pk=experiment.pk)).data)

    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._step(self.get_object(), experiments.start)

    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        return self._step(self.get_object(), experiments.stop)

    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        experiment = self.get_object()  # first: a 404 for a bad id, and the id is the experiment's, not raw text
        body = ConcludeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        winner = body.validated_data.get("winner")
        arm = None
        if winner is not None:
            arm = experiment.arms.filter(pk=winner).select_related("version").first()
            if arm is None:
                raise serializers.ValidationError({"winner": ["not an arm of this experiment"]})
        return self._step(experiment, experiments.conclude, arm)

    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        from .verdict import results

        return Response(ResultsSerializer(results(self.get_object())).data)
