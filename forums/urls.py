from django.urls import path

from forums import views

app_name = "forums"

urlpatterns = [
    path("forum/", views.index, name="index"),
    path("forum/uppdrag/", views.assignments, name="assignments"),
    path("forum/uppdrag/<int:assignment_id>/status/", views.assignment_status, name="assignment_status"),
    path("forum/sok/", views.search, name="search"),
    path("forum/mal/", views.goals_page, name="goals"),
    path("forum/mal/<int:goal_id>/<str:action>/", views.goal_action, name="goal_action"),
    path("forum/<int:forum_id>/", views.forum_page, name="forum"),
    path("forum/<int:forum_id>/<str:action>/", views.forum_action, name="forum_action"),
    path("forum/mote/<int:meeting_id>/", views.meeting_page, name="meeting"),
    path("forum/mote/<int:meeting_id>/dagordning.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("forum/mote/<int:meeting_id>/protokoll.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("forum/mote/<int:meeting_id>/anslut/", views.join, name="join"),
    path("forum/mote/<int:meeting_id>/<str:action>/", views.meeting_action, name="meeting_action"),
    path("forum/bilaga/<int:attachment_id>/", views.attachment, name="attachment"),
    path("offentligt/forum/<int:forum_id>/", views.public_forum, name="public_forum"),
    path("offentligt/protokoll/<int:meeting_id>/", views.public_minutes, name="public_minutes"),
    path("offentligt/protokoll/<int:meeting_id>/protokoll.pdf", views.public_minutes_pdf, name="public_minutes_pdf"),
]
