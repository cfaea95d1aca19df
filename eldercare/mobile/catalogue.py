"""The phone page's words: Chinese first, English beside each, chosen by the user's language.

The page is a few screens of JavaScript; its words live here rather than in the gettext catalogue so
that the template hands the script one small JSON object (`phrases()`), in the active language, with
nothing fetched at run time. `{name}` marks a value the script fills in. Messages from the server
(why a visit does not count, why an upload was refused) come in the user's language from the API.
"""

from django.utils.translation import get_language

PHRASES: dict[str, tuple[str, str]] = {
    "app_name": ("居家上门服务", "Home-care visits"),
    "app_short_name": ("上门服务", "Visits"),
    "app_description": (
        "服务人员在服务对象家门口签到、签退、拍照，离线也能记录。",
        "Caregivers check in and out at the door, take photos, and keep recording offline.",
    ),
    "needs_javascript": ("此页面需要启用 JavaScript。", "This page needs JavaScript."),
    "online": ("在线", "Online"),
    "offline": ("离线", "Offline"),
    "sign_out": ("退出", "Sign out"),
    "sign_out_confirm": (
        "还有 {n} 条记录未上传。退出后它们仍保存在本机，您再次登录后会继续上传。确定退出吗？",
        "{n} records are not sent yet. They stay on this phone and are sent when you sign in again. Sign out?",
    ),
    # Signing in
    "login_title": ("服务人员登录", "Caregiver sign-in"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_button": ("登录", "Sign in"),
    "login_missing": ("请输入用户名和密码。", "Enter your username and password."),
    "login_failed": ("登录失败，请稍后再试。", "Signing in failed; try again later."),
    "login_offline": ("没有网络连接：登录需要网络。", "No network: signing in needs one."),
    "login_waiting": (
        "本机有 {n} 条服务记录等待上传，登录后继续。",
        "{n} visit records wait on this phone; they are sent once you sign in.",
    ),
    "login_hint": (
        "登录后，本机保存登录凭证，离线时也可记录服务；手机丢失时请联系系统管理员注销其登录凭证。",
        "Once signed in, this phone keeps a sign-in token and records visits offline too; if you lose the "
        "phone, ask a system administrator to revoke its token.",
    ),
    # The queue
    "waiting_count": ("待上传 {n} 条", "{n} waiting to be sent"),
    "all_sent": ("全部记录已上传", "Everything is sent"),
    "offline_note": (
        "当前离线：记录保存在本机，联网后自动上传。",
        "Offline: records are kept on this phone and sent when the network returns.",
    ),
    "sending_now": ("正在上传…", "Sending…"),
    "retry": ("立即上传", "Send now"),
    "server_unavailable": (
        "服务器暂时无法接收（{status}），稍后自动重试。",
        "The server cannot take it now ({status}); it will be tried again.",
    ),
    "auth_expired": (
        "登录已过期，记录仍保存在本机。",
        "Your sign-in has expired; the records are still on this phone.",
    ),
    "sign_in_again": ("重新登录后继续上传", "Sign in again to send them"),
    "cached_data": (
        "离线数据，更新于 {when}",
        "Offline copy, last updated {when}",
    ),
    "no_offline_data": (
        "本机还没有服务对象名单，请联网后打开此页面。",
        "No list of people is kept on this phone yet; open this page with a network.",
    ),
    "loading": ("正在加载…", "Loading…"),
    # Problems kept for the caregiver to read
    "problems_heading": ("需要处理的记录", "Records that need you"),
    "conflict_message": (
        "服务器上已有同一编号但内容不同的记录，本条未保存，请联系机构核对。",
        "The server holds a different record with this visit's number; this one was not stored. Ask your "
        "provider to check.",
    ),
    "refused_generic": ("服务器未接受此记录。", "The server did not accept this record."),
    "photo_conflict": (
        "服务器上已有另一张照片，本张未保存。",
        "The server already holds another photo; this one was not stored.",
    ),
    "photo_state_conflict": ("照片未保存：{why}", "Photo not stored: {why}"),
    "photo_state_refused": ("照片未被接受：{why}", "Photo not accepted: {why}"),
    "dismiss": ("我已知晓，移除", "Understood, remove"),
    "dismiss_confirm": (
        "移除后本机不再保留这条记录。确定移除吗？",
        "This phone will no longer keep this record. Remove it?",
    ),
    # Today's visits
    "today_heading": ("今日服务", "Today's visits"),
    "no_visits_today": ("今天还没有服务记录。", "No visits today yet."),
    "state_in_progress": ("服务中", "In progress"),
    "state_queued": ("待上传", "Waiting to be sent"),
    "state_sending": ("上传中", "Sending"),
    "state_sent": ("已上传，等待核验结果", "Sent; waiting for the checks"),
    "state_counts": ("已上传 · 计入人次进度", "Sent · counts toward the person-time"),
    "state_not_counted": ("已上传 · 不计入：{why}", "Sent · does not count: {why}"),
    "state_conflict": ("未保存（冲突）：{why}", "Not stored (conflict): {why}"),
    "state_refused": ("未被接受：{why}", "Not accepted: {why}"),
    "photos_waiting_note": ("（{n} 张照片待上传）", " ({n} photos waiting)"),
    # People
    "people_heading": ("服务对象（{n} 人）", "People ({n})"),
    "people_hint": (
        "最久未服务的排在前面。一天内同一服务对象只计一次。",
        "Those longest without a visit come first. One visit a person a day counts.",
    ),
    "search_placeholder": ("按姓名查找", "Find by name"),
    "caregiver_label": ("服务人员", "Caregiver"),
    "choose_caregiver": ("请选择服务人员", "Choose the caregiver"),
    "no_caregiver_record": (
        "您的账号尚未关联服务人员档案，暂不能记录服务，请联系机构管理员。",
        "Your account is not linked to a caregiver record yet, so you cannot record visits; ask your "
        "provider's administrator.",
    ),
    "finish_first": ("请先完成正在进行的服务。", "Finish the visit in progress first."),
    "counted_of_needed": ("已计 {counted} / {needed} 次", "{counted} / {needed} counted"),
    "days_left": ("周期剩余 {n} 天", "{n} days left in the cycle"),
    "reached": ("已达 1 人次", "Person-time reached"),
    "served_today": ("今日已服务", "Visited today"),
    "at_risk": ("进度落后", "At risk"),
    "last_visit": ("上次服务 {day}", "Last visit {day}"),
    "never_visited": ("尚未服务", "Not visited yet"),
    "start": ("开始服务", "Start service"),
    "in_progress_with": ("正在为 {name} 服务（{time} 开始）", "Serving {name} since {time}"),
    "resume": ("继续", "Continue"),
    # A visit
    "serving": ("正在服务：{name}", "Serving {name}"),
    "started_at": ("开始时间 {time}", "Started at {time}"),
    "locating": ("正在定位…", "Finding the location…"),
    "checkin_ok": ("已记录签到位置", "Check-in location recorded"),
    "checkin_ok_accuracy": ("已记录签到位置（精度约 {metres} 米）", "Check-in location recorded (about {metres} m)"),
    "checkin_failed": ("未能获取签到位置：{why}", "No check-in location: {why}"),
    "checkout_ok": ("已记录签退位置", "Check-out location recorded"),
    "checkout_ok_accuracy": ("已记录签退位置（精度约 {metres} 米）", "Check-out location recorded (about {metres} m)"),
    "checkout_failed": ("未能获取签退位置：{why}", "No check-out location: {why}"),
    "geo_denied": ("未允许使用位置信息", "location permission refused"),
    "geo_timeout": ("定位超时", "timed out"),
    "geo_unavailable": ("暂时无法定位", "location unavailable"),
    "geo_unsupported": ("此浏览器不支持定位", "this browser cannot locate"),
    "geo_interrupted": ("定位被中断", "locating was interrupted"),
    "locate_again": ("重新定位", "Try again"),
    "photo_start": ("开始现场照片", "Photo at the start"),
    "photo_end": ("结束现场照片", "Photo at the end"),
    "optional": ("（可选）", "(optional)"),
    "take_photo": ("拍照", "Take a photo"),
    "retake_photo": ("重新拍照", "Take it again"),
    "remove_photo": ("删除照片", "Remove the photo"),
    "photo_unreadable": ("无法读取这张照片，请重新拍摄。", "This photo cannot be read; take it again."),
    "category_label": ("服务类别", "Service category"),
    "items_label": ("服务项目（可多选）", "Service items (any number)"),
    "no_catalogue": (
        "本机还没有服务类别，请联网后刷新。",
        "No service categories on this phone yet; refresh with a network.",
    ),
    "choose_category_first": ("请先选择服务类别。", "Choose the service category first."),
    "end": ("结束服务", "End service"),
    "back_to_list": ("返回名单", "Back to the list"),
    "discard": ("放弃本次服务", "Discard this visit"),
    "discard_confirm": ("放弃后本次服务记录将被删除。确定吗？", "This visit's record will be deleted. Discard it?"),
    "finishing": ("结束服务：{name}", "Ending the visit: {name}"),
    "time_range": ("服务时间 {start}–{end}", "From {start} to {end}"),
    "satisfaction_label": ("老人满意度", "The older person's satisfaction"),
    "satisfaction_satisfied": ("满意", "Satisfied"),
    "satisfaction_fairly_satisfied": ("基本满意", "Fairly satisfied"),
    "satisfaction_dissatisfied": ("不满意", "Dissatisfied"),
    "satisfaction_none": ("不评价", "No rating"),
    "submit": ("保存并上传", "Save and send"),
    "undo_end": ("返回继续服务", "Back to the visit"),
}

# The API's field names in the caregiver's words, for refusals that name a field.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "recipient": ("服务对象", "person"),
    "caregiver": ("服务人员", "caregiver"),
    "provider": ("服务机构", "provider"),
    "category": ("服务类别", "service category"),
    "items": ("服务项目", "service items"),
    "started_at": ("开始时间", "start time"),
    "ended_at": ("结束时间", "end time"),
    "checkin_latitude": ("签到纬度", "check-in latitude"),
    "checkin_longitude": ("签到经度", "check-in longitude"),
    "checkout_latitude": ("签退纬度", "check-out latitude"),
    "checkout_longitude": ("签退经度", "check-out longitude"),
    "checkin_accuracy_m": ("签到定位精度", "check-in accuracy"),
    "checkout_accuracy_m": ("签退定位精度", "check-out accuracy"),
    "coordinate_system": ("坐标系", "coordinate system"),
    "satisfaction": ("满意度", "satisfaction"),
    "client_uuid": ("记录编号", "record number"),
    "kind": ("照片类型", "photo kind"),
    "image": ("照片", "photo"),
    "visits": ("服务记录", "visits"),
}


def is_english(language: str | None = None) -> bool:
    return (language or get_language() or "zh-hans").lower().startswith("en")


def phrases(language: str | None = None) -> dict:
    """Every phrase in the language (the active one by default), with the field labels under `field_labels`."""
    index = 1 if is_english(language) else 0
    answer: dict = {key: pair[index] for key, pair in PHRASES.items()}
    answer["field_labels"] = {key: pair[index] for key, pair in FIELD_LABELS.items()}
    return answer
