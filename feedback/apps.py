from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Advisor feedback")

    def ready(self) -> None:
        from feedback import exports  # noqa: F401 - registers its export kind
        from feedback.selectors import feedback_by_code, overrides_by_class, training_labels_frame
        from forecasting.lifecycle.reports import model_report_section_register
        from forecasting.lifecycle.training import training_labels_source_register

        training_labels_source_register(training_labels_frame)
        model_report_section_register("feedback", feedback_by_code)
        model_report_section_register("overrides", overrides_by_class)
