from django.urls import path

from . import views

app_name = "confirmations"
urlpatterns = [
    # Staff pages first: a token always holds a colon, so it never reads as "cards".
    path("cards/<int:recipient_id>/", views.card_page, name="card_page"),
    path("cards/<int:recipient_id>/card.pdf", views.card_pdf, name="card_pdf"),
    path("<str:token>/", views.confirm, name="confirm"),
]
