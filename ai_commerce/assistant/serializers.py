from rest_framework import serializers

from .conf import MAX_MESSAGE_LENGTH
from .models import Message

MAX_ID = 2**63 - 1


class AskSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=20_000, help_text="The shopper's question.")
    conversation = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                            help_text="The conversation to continue; a new one when omitted.")
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                       help_text="The product whose page the shopper is on.")
    email = serializers.EmailField(required=False, help_text="A guest's e-mail, for their order and for replies.")

    def validate_message(self, value):
        limit = MAX_MESSAGE_LENGTH
        if len(value) > limit:
            raise serializers.ValidationError(f"Keep a message to {limit} characters.")
        return value


class SourceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["order", "product", "faq", "reviews"])
    label = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class MessageSerializer(serializers.ModelSerializer):
    sources = SourceSerializer(many=True, read_only=True)
    role = serializers.CharField(read_only=True, help_text="shopper, assistant or staff.")
    intent = serializers.CharField(read_only=True, allow_blank=True)
    confidence = serializers.FloatField(read_only=True, allow_null=True)
    outcome = serializers.CharField(read_only=True, allow_blank=True,
                                    help_text="answered, unknown, handover or small_talk; blank on the shopper's.")
    helpful = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "role", "text", "intent", "confidence", "outcome", "sources", "helpful", "created_at"]
        read_only_fields = fields


class ConversationSerializer(serializers.Serializer):
    conversation = serializers.IntegerField()
    status = serializers.CharField()
    reply = MessageSerializer(required=False)
    messages = MessageSerializer(many=True)


class FeedbackSerializer(serializers.Serializer):
    message = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    helpful = serializers.BooleanField()


class HumanSerializer(serializers.Serializer):
    conversation = serializers.IntegerField(min_value=1, max_value=MAX_ID)
