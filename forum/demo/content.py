"""What the demo community says: people, products and question threads, as plain data.

Two products are written in Chinese (a Wi-Fi 6 router and a cloud-storage app) and one in
English (a home camera). The products are fictional; the problems and fixes are the ones real
owners of such products run into. ``forum.demo.seed`` turns this into rows through the services.
"""

from dataclasses import dataclass, field

# Every demo account signs in with this password (printed by ``seed_demo``, documented in the
# README). It is a demo: never load it into a database that faces the internet.
DEMO_PASSWORD = "wendao-demo"


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    language: str
    bio: str = ""
    # "expert" (with ``product``), "knowledge_editor", "admin", or "" for a customer.
    role: str = ""
    product: str = ""


@dataclass(frozen=True)
class DemoProduct:
    slug: str
    name: str
    language: str
    description: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Edit:
    editor: str
    body: str
    reason: str


@dataclass(frozen=True)
class DemoAnswer:
    author: str
    body: str
    up: tuple[str, ...] = ()
    down: tuple[str, ...] = ()
    comments: tuple[tuple[str, str], ...] = ()
    accepted: bool = False
    endorsed_by: str = ""
    endorse_note: str = ""
    edit: Edit | None = None


@dataclass(frozen=True)
class Thread:
    product: str
    asker: str
    days_ago: int
    title: str
    body: str
    tags: tuple[str, ...]
    up: tuple[str, ...] = ()
    down: tuple[str, ...] = ()
    comments: tuple[tuple[str, str], ...] = ()
    answers: tuple[DemoAnswer, ...] = field(default=())
    edit: Edit | None = None


PEOPLE = (
    Person("liming", "李明", "zh-hans", "在杭州做前端开发，家里设备有点多。"),
    Person("wangfang", "王芳", "zh-hans", "两个孩子的妈妈，家里网络我负责。"),
    Person("zhangwei", "张伟", "zh-hans", "NAS 和家庭网络爱好者，喜欢折腾。"),
    Person("chenjing", "陈静", "zh-hans", "设计师，工作文件都放在云盘里。"),
    Person("liuyang", "刘洋", "zh-hans"),
    Person("zhaolei", "赵磊", "zh-hans", "游戏玩家，对延迟很敏感。"),
    Person("emma", "Emma Clark", "en", "Renovating an old house, one smart device at a time."),
    Person("lucas", "Lucas Meyer", "en", "Home Assistant tinkerer."),
    Person("zhoukai", "周凯", "zh-hans", "问道路由器产品技术支持。", role="expert", product="router-ax3000"),
    Person("linna", "林娜", "zh-hans", "问道云盘客户成功经理。", role="expert", product="cloud-drive"),
    Person(
        "daniel", "Daniel Wright", "en", "Support engineer, Wendao Home Camera.", role="expert", product="home-camera"
    ),
    Person("sunyue", "孙悦", "zh-hans", "知识库编辑，把好答案整理成官方文章。", role="knowledge_editor"),
    Person("admin", "Wendao Admin", "en", role="admin"),
)

PRODUCTS = (
    DemoProduct(
        slug="router-ax3000",
        name="问道 AX3000 智能路由器",
        language="zh-hans",
        description="问道 AX3000 双频 Wi-Fi 6 路由器：安装上网、Mesh 组网、固件升级和家长控制。",
        tags=("初始设置", "上网设置", "mesh组网", "wifi", "固件升级", "家长控制", "端口转发", "nas", "ipv6"),
    ),
    DemoProduct(
        slug="cloud-drive",
        name="问道云盘",
        language="zh-hans",
        description="问道云盘的电脑端、手机端和网页版：同步、分享、相册备份、会员与账号安全。",
        tags=("同步", "分享", "备份", "会员", "安全", "电脑端", "手机端"),
    ),
    DemoProduct(
        slug="home-camera",
        name="Wendao Home Camera C2",
        language="en",
        description="The C2 indoor camera: setup, motion alerts, night vision, local storage and RTSP streaming.",
        tags=("setup", "wifi", "motion-detection", "night-vision", "storage", "rtsp", "home-assistant"),
    ),
)

THREADS = (
    # ------------------------------------------------------------------ 问道 AX3000 智能路由器
    Thread(
        product="router-ax3000",
        asker="liming",
        days_ago=24,
        title="新买的路由器指示灯一直红灯闪烁，连不上网怎么办？",
        body=(
            "昨天刚买的 AX3000，按说明书把光猫的网线接到路由器上，手机 App 里一直提示“未检测到网络”，"
            "路由器前面的指示灯红灯一闪一闪。\n\n光猫本身没问题，电脑直接插光猫是能上网的。请问是哪里设置不对？"
        ),
        tags=("初始设置", "上网设置"),
        up=("wangfang", "zhangwei", "chenjing"),
        answers=(
            DemoAnswer(
                author="zhoukai",
                body=(
                    "红灯闪烁表示路由器的 WAN 口没有拿到 IP 地址，绝大多数情况是**上网方式选错了**：\n\n"
                    "1. 光猫是“路由模式”（光猫自己拨号）：路由器选 **自动获取 IP（DHCP）**；\n"
                    "2. 光猫是“桥接模式”：路由器选 **宽带拨号（PPPoE）**，填写运营商给的宽带账号和密码；\n"
                    "3. 确认网线插在路由器**蓝色的 WAN 口**上，而不是黄色的 LAN 口。\n\n"
                    "改完后等 30 秒左右，指示灯变成白色常亮就说明联网成功了。不知道光猫是哪种模式的话，"
                    "可以打运营商客服问一下，或者看光猫背面的管理地址登录查看。"
                ),
                up=("liming", "wangfang", "chenjing", "zhangwei", "liuyang"),
                comments=(("liming", "光猫是桥接模式，改成 PPPoE 拨号以后指示灯马上变白了，谢谢！"),),
                accepted=True,
            ),
            DemoAnswer(
                author="wangfang",
                body="我之前也是这样，最后发现是网线插错口了，蓝色那个才是 WAN 口，插对就好了。",
                up=("liming",),
            ),
        ),
    ),
    Thread(
        product="router-ax3000",
        asker="chenjing",
        days_ago=19,
        title="两台 AX3000 怎么组 Mesh？有线回程和无线回程选哪个？",
        body=(
            "家里是复式，楼上卧室信号很差，又买了一台 AX3000 想组 Mesh。\n\n"
            "说明书上写了“有线回程”和“无线回程”两种方式。楼上楼下之间有装修时预埋的网线，"
            "请问选哪种好？具体怎么操作？"
        ),
        tags=("mesh组网", "wifi"),
        up=("zhangwei", "liuyang"),
        answers=(
            DemoAnswer(
                author="zhangwei",
                body=(
                    "有预埋网线就一定用**有线回程**，两台之间的带宽不占用无线，楼上也能跑满千兆。步骤：\n\n"
                    "1. 主路由先按正常流程设置好上网；\n"
                    "2. 子路由恢复出厂设置（按住 Reset 5 秒）；\n"
                    "3. 用网线连接**主路由的 LAN 口**和**子路由的 WAN 口**；\n"
                    "4. 打开 App → 工具 → 添加 Mesh 节点，等待子路由指示灯变成白色常亮。\n\n"
                    "我家就是这么组的，楼上测速 900 多兆。"
                ),
                up=("chenjing", "liuyang", "liming", "zhaolei"),
                comments=(
                    ("zhoukai", "补充一下：两台路由器的固件版本需要一致，建议先都升级到 1.2.8 或更高版本再组网。"),
                ),
                accepted=True,
                endorsed_by="zhoukai",
                endorse_note="步骤准确，适用于所有 AX3000 有线回程组网。",
            ),
            DemoAnswer(
                author="liuyang",
                body="无线回程也能用，但两台之间最好不要隔超过两堵承重墙，不然子路由的速度会掉一半以上。",
                up=("chenjing",),
            ),
        ),
    ),
    Thread(
        product="router-ax3000",
        asker="zhaolei",
        days_ago=12,
        title="升级到 1.3.0 固件后，5G Wi-Fi 隔一会儿就断线",
        body=(
            "上周 App 提示升级到 1.3.0，升级之后手机连 5G 频段隔十几分钟就掉线一次，2.4G 正常。\n\n"
            "已经重启过好几次了，还是一样。手机是小米 13，打游戏的时候特别明显。有人遇到同样的问题吗？"
        ),
        tags=("固件升级", "wifi"),
        up=("liuyang", "liming", "wangfang"),
        answers=(
            DemoAnswer(
                author="zhoukai",
                body=(
                    "这是 1.3.0 在 **160MHz 频宽**下与部分手机的兼容问题，已经在 1.3.1 修复，今天开始分批推送。\n\n"
                    "临时办法：App → Wi-Fi 设置 → 5G → 频宽，改为 **80MHz**。升级到 1.3.1 之后可以再改回 160MHz。"
                ),
                up=("zhaolei", "liuyang", "liming"),
                comments=(("zhaolei", "今天收到 1.3.1 了，升级后改回 160MHz，一晚上没再掉线。"),),
                accepted=True,
            ),
            DemoAnswer(
                author="liuyang",
                body="同样的问题，我把频宽改成 80MHz 之后就没再掉过，测速基本没差别。",
                up=("zhaolei",),
            ),
        ),
        edit=Edit(
            editor="zhaolei",
            body=(
                "上周 App 提示升级到 1.3.0，升级之后手机连 5G 频段隔十几分钟就掉线一次，2.4G 正常。\n\n"
                "已经重启过好几次了，还是一样。手机是小米 13，打游戏的时候特别明显。有人遇到同样的问题吗？\n\n"
                "**更新：** 已升级到 1.3.1，频宽改回 160MHz，用了两天没再断过。"
            ),
            reason="补充升级 1.3.1 之后的结果",
        ),
    ),
    Thread(
        product="router-ax3000",
        asker="wangfang",
        days_ago=9,
        title="怎么给孩子的平板设置每天的上网时间？",
        body=(
            "孩子放学回家就抱着平板不放。想设置成只有工作日晚上 7 点到 9 点能上网，周末白天可以多一点，路由器能做到吗？"
        ),
        tags=("家长控制",),
        up=("chenjing", "liming"),
        answers=(
            DemoAnswer(
                author="chenjing",
                body=(
                    "可以的。App → 家长控制 → 添加设备，选中孩子的平板，"
                    "然后在“上网时段”里分别设置工作日和周末的时间段。"
                    "在同一个页面还能勾选屏蔽游戏类和短视频类网站。"
                ),
                up=("wangfang", "zhoukai"),
                comments=(("wangfang", "找到了，已经设置好，今晚试试效果。"),),
                accepted=True,
                edit=Edit(
                    editor="zhoukai",
                    body=(
                        "可以的。App → 设备管理 → 家长控制 → 添加设备，选中孩子的平板，"
                        "然后在“上网时段”里分别设置工作日和周末的时间段。在同一个页面还能勾选屏蔽游戏类和短视频类网站。\n\n"
                        "设置按路由器的时间生效，请确认“系统设置 → 时区”是北京时间。"
                    ),
                    reason="更正 1.3 版 App 的菜单路径，补充时区说明",
                ),
            ),
        ),
    ),
    Thread(
        product="router-ax3000",
        asker="zhangwei",
        days_ago=6,
        title="设置了端口转发，外网还是访问不了家里的 NAS",
        body=(
            "在“高级设置 → 端口转发”里把外部端口 5001 转发到 NAS 的 `192.168.31.20:5001`，"
            "但是用手机 4G 访问 `公网IP:5001` 一直超时。\n\n光猫是桥接模式，由路由器拨号。还有哪里需要设置？"
        ),
        tags=("端口转发", "nas"),
        up=("liming",),
        comments=(("liming", "NAS 自己的防火墙也要放行 5001，我之前就是卡在这里。"),),
        answers=(
            DemoAnswer(
                author="zhoukai",
                body=(
                    "先确认你拿到的是不是公网 IP：在路由器“状态”页看 WAN 口的 IP 地址，"
                    "和 ip138 这类网站显示的地址对比。\n\n"
                    "- 如果 WAN 口是 `100.64.x.x`、`10.x.x.x` 这类地址，说明运营商分配的是内网地址，端口转发不会生效，"
                    "需要联系运营商申请公网 IP，或者使用路由器自带的“问道远程访问”；\n"
                    "- 如果两边一致，再检查 NAS 的防火墙，"
                    "以及运营商是否封了这个端口（可以换成 15001 之类的高位端口试试）。"
                ),
                up=("zhangwei", "liming", "zhaolei"),
            ),
        ),
    ),
    Thread(
        product="router-ax3000",
        asker="liuyang",
        days_ago=2,
        title="路由器支持 IPv6 吗？在哪里开启？",
        body="运营商说我的宽带已经支持 IPv6 了，但是测速网站显示我没有 IPv6 地址。AX3000 需要单独开启吗？",
        tags=("ipv6", "上网设置"),
        up=("zhaolei",),
    ),
    # ------------------------------------------------------------------ 问道云盘
    Thread(
        product="cloud-drive",
        asker="chenjing",
        days_ago=22,
        title="电脑端同步文件夹一直显示“等待中”，新文件不上传",
        body=(
            "Windows 11，问道云盘电脑版 4.2.0。设置了 `D:\\工作资料` 自动同步，最近三天放进去的新文件一直显示“等待中”，"
            "其他同步文件夹都正常。重启电脑和退出重登都试过了。"
        ),
        tags=("同步", "电脑端"),
        up=("liming", "zhangwei", "wangfang"),
        answers=(
            DemoAnswer(
                author="linna",
                body=(
                    "通常是这两个原因：\n\n"
                    "1. 文件夹里有文件正被其他程序占用，"
                    '或者文件名里有云盘不支持的字符（`:` `*` `?` `"` `<` `>` `|`）；\n'
                    "2. 4.2.0 有一个已知问题：完整路径超过 260 个字符时同步会卡住。\n\n"
                    "打开“设置 → 同步 → 查看问题文件”，会列出卡住的文件，处理之后点“重试”即可。"
                    "第二种情况请升级到 4.2.3 或更高版本。"
                ),
                up=("chenjing", "zhangwei", "liming", "liuyang"),
                comments=(("chenjing", "果然有一个文件名里带问号，改名之后马上就同步了。"),),
                accepted=True,
            ),
            DemoAnswer(
                author="zhangwei",
                body="我遇到过一次，是 Excel 表格一直开着没关，关掉之后就自动上传了。",
                up=("chenjing",),
            ),
        ),
    ),
    Thread(
        product="cloud-drive",
        asker="liming",
        days_ago=17,
        title="分享链接怎么设置有效期和提取码？",
        body="要把一批设计稿发给客户，希望链接 7 天后自动失效，并且要输入提取码才能打开，应该在哪里设置？",
        tags=("分享",),
        up=("chenjing",),
        answers=(
            DemoAnswer(
                author="wangfang",
                body=(
                    "选中文件 → 分享 → 点“链接设置”：\n\n"
                    "- **有效期**可以选 1 天、7 天、30 天或永久；\n"
                    "- 勾选**提取码**会自动生成 4 位码，也可以自己填写。\n\n"
                    "创建之后在“我的分享”里还能随时取消分享。"
                ),
                up=("liming", "chenjing", "liuyang"),
                accepted=True,
                endorsed_by="linna",
                endorse_note="与当前版本一致；企业版还可以限制下载次数。",
            ),
        ),
    ),
    Thread(
        product="cloud-drive",
        asker="zhaolei",
        days_ago=14,
        title="手机相册自动备份会压缩原图吗？",
        body="准备把手机里 3 万多张照片备份到云盘，然后清理手机空间。担心备份上去的不是原图，画质会变差。",
        tags=("备份", "手机端"),
        up=("wangfang", "liuyang"),
        answers=(
            DemoAnswer(
                author="linna",
                body=(
                    "不会压缩。相册备份默认上传**原图**，只有在“备份设置”里打开了“省空间模式”才会上传压缩版。\n\n"
                    "建议第一次备份在 Wi-Fi 下进行，并保持 App 在前台，速度会快很多。"
                ),
                up=("zhaolei", "wangfang", "chenjing"),
                accepted=True,
                edit=Edit(
                    editor="linna",
                    body=(
                        "不会压缩。相册备份默认上传**原图**，只有在“备份设置”里打开了“省空间模式”才会上传压缩版。\n\n"
                        "iPhone 拍的 HEIC 照片会按原格式保存；如果在电脑上打不开，"
                        "可以在网页版下载时选择“转换为 JPG”。\n\n"
                        "建议第一次备份在 Wi-Fi 下进行，并保持 App 在前台，速度会快很多。"
                    ),
                    reason="补充 HEIC 格式的说明",
                ),
            ),
            DemoAnswer(
                author="liuyang",
                body="补充一点：实况照片（Live Photo）也会完整备份，在云盘里可以正常播放。",
                up=("zhaolei",),
            ),
        ),
    ),
    Thread(
        product="cloud-drive",
        asker="wangfang",
        days_ago=10,
        title="会员到期后，超出免费容量的文件会被删除吗？",
        body="现在用了 1.3TB，会员下个月到期，暂时不想续费。到期之后超出免费空间的文件会不会直接被删掉？",
        tags=("会员",),
        up=("liming", "chenjing", "zhaolei"),
        comments=(("chenjing", "同问，我的会员也是下个月到期。"),),
        answers=(
            DemoAnswer(
                author="linna",
                body=(
                    "不会被删除。会员到期后空间恢复为免费版的 10GB，超出部分的文件仍然可以**查看和下载**，"
                    "但不能再上传新文件，同步也会暂停，直到用量降到 10GB 以下或者重新开通会员。"
                ),
                up=("wangfang", "liming", "chenjing", "zhangwei"),
                comments=(("wangfang", "明白了，那我先把不常看的视频下载到移动硬盘里。"),),
            ),
            DemoAnswer(
                author="zhangwei",
                body="我去年断过三个月会员，文件都还在，续费之后同步自动恢复了。",
                up=("wangfang",),
                down=("liuyang",),
            ),
        ),
    ),
    Thread(
        product="cloud-drive",
        asker="liuyang",
        days_ago=7,
        title="怎么开启两步验证？换手机以后怎么办？",
        body="担心账号被盗，想开启两步验证。但是我经常换手机，换了之后验证码收不到怎么办？",
        tags=("安全",),
        up=("chenjing",),
        answers=(
            DemoAnswer(
                author="zhangwei",
                body=(
                    "设置 → 账号与安全 → 两步验证，用任意身份验证器 App（比如 Google Authenticator）扫描二维码。\n\n"
                    "开启时会给你 10 个**恢复码**，一定要抄下来或者存到密码管理器里。"
                    "换手机之前先在新手机上重新绑定；万一旧手机丢了，就用恢复码登录，每个恢复码只能用一次。"
                ),
                up=("liuyang", "chenjing", "linna"),
                accepted=True,
                endorsed_by="linna",
                endorse_note="步骤正确。恢复码丢失时可以通过实名认证申诉。",
            ),
        ),
    ),
    Thread(
        product="cloud-drive",
        asker="zhangwei",
        days_ago=3,
        title="新电脑上能不能只同步部分子文件夹？",
        body="云盘里有 800 多 GB，新笔记本硬盘只有 512GB，只想同步“工作”和“文档”两个文件夹，其他的留在云端。",
        tags=("同步", "电脑端"),
        answers=(
            DemoAnswer(
                author="chenjing",
                body="可以，用“选择性同步”：设置 → 同步 → 选择文件夹，只勾你需要的两个，其他文件夹不会下载到本地。",
                up=("zhangwei",),
            ),
        ),
    ),
    # ------------------------------------------------------------------ Wendao Home Camera C2
    Thread(
        product="home-camera",
        asker="emma",
        days_ago=20,
        title="Camera won't connect to my Wi-Fi during setup",
        body=(
            "The app finds the camera, I type my Wi-Fi password, and after a minute it says "
            "*Connection failed*. The password is definitely right. My router broadcasts one network name "
            "for both 2.4 GHz and 5 GHz."
        ),
        tags=("setup", "wifi"),
        up=("lucas",),
        answers=(
            DemoAnswer(
                author="daniel",
                body=(
                    "The C2 only has a **2.4 GHz** radio. When one network name covers both bands, some routers steer "
                    "the phone to 5 GHz during setup and the camera never sees the network it was given.\n\n"
                    "Either turn off 5 GHz for a few minutes while you set the camera up, or create a 2.4 GHz-only "
                    "guest network. Once the camera is connected you can switch 5 GHz back on; it will stay on 2.4 GHz."
                ),
                up=("emma", "lucas"),
                comments=(("emma", "Switching off 5 GHz for five minutes did it. Thank you!"),),
                accepted=True,
            ),
            DemoAnswer(
                author="lucas",
                body=(
                    "Same here. I split my router's bands into two names for good; all my smart-home gadgets are "
                    "happier on their own 2.4 GHz network."
                ),
                up=("emma",),
            ),
        ),
    ),
    Thread(
        product="home-camera",
        asker="lucas",
        days_ago=15,
        title="How do I view the camera in Home Assistant or VLC over RTSP?",
        body=(
            "I'd like to record to my own server instead of the cloud. Does the C2 expose an RTSP stream, "
            "and what is the URL?"
        ),
        tags=("rtsp", "home-assistant"),
        up=("emma",),
        answers=(
            DemoAnswer(
                author="daniel",
                body=(
                    "Yes, from firmware 2.1. In the app open the camera → **Settings → Advanced → RTSP**, switch it on "
                    "and set a user name and password for the stream. Then:\n\n"
                    "```\nrtsp://USER:PASSWORD@CAMERA-IP:554/stream1   # 2K main stream\n"
                    "rtsp://USER:PASSWORD@CAMERA-IP:554/stream2   # 640x360 sub stream\n```\n\n"
                    "In Home Assistant add it with the *Generic Camera* integration. Give the camera a fixed IP "
                    "address in your router so the URL does not change."
                ),
                up=("lucas", "emma"),
                comments=(("lucas", "Works in Frigate too. The sub stream is perfect for detection."),),
                accepted=True,
            ),
        ),
    ),
    Thread(
        product="home-camera",
        asker="emma",
        days_ago=11,
        title="Too many motion alerts from trees moving in the wind",
        body=(
            "The camera looks out of a window onto the garden, and on windy days I get fifty alerts an hour. "
            "How do I make it only tell me about people?"
        ),
        tags=("motion-detection",),
        up=("lucas",),
        answers=(
            DemoAnswer(
                author="lucas",
                body=(
                    "Draw an **activity zone** that leaves out the trees (Settings → Detection → Activity zones) and "
                    "set sensitivity to medium. That cut my alerts by about 90%."
                ),
                up=("emma", "daniel"),
                accepted=True,
                endorsed_by="daniel",
                endorse_note="The recommended first step; zones are checked before anything else.",
            ),
            DemoAnswer(
                author="daniel",
                body=(
                    "Since firmware 2.3 there is also **Person detection only** under "
                    "Settings → Detection → Alert types. "
                    "It runs on the camera, so it works without a cloud plan."
                ),
                up=("emma",),
                comments=(("emma", "Turning this on as well brought it down to two or three alerts a day."),),
            ),
        ),
    ),
    Thread(
        product="home-camera",
        asker="lucas",
        days_ago=8,
        title="Does SD card recording overwrite the oldest footage automatically?",
        body="I put in a 64 GB card. What happens when it is full: does recording stop, or does it loop?",
        tags=("storage",),
        answers=(
            DemoAnswer(
                author="daniel",
                body=(
                    "It loops: when the card is full the oldest recordings are deleted first. A 64 GB card holds "
                    "about 7 days of continuous 2K recording, or several weeks if you record on motion only. "
                    'Use a card rated for continuous writing ("high endurance"); ordinary cards wear out within months.'
                ),
                up=("lucas", "emma"),
                accepted=True,
            ),
        ),
    ),
    Thread(
        product="home-camera",
        asker="emma",
        days_ago=4,
        title="Night vision image is washed out with a white glare",
        body=(
            "At night the picture is almost completely white in the middle. During the day it's fine. "
            "The camera sits on a windowsill behind the glass."
        ),
        tags=("night-vision",),
        up=("lucas",),
        answers=(
            DemoAnswer(
                author="lucas",
                body="The infrared lights reflect off the window glass straight back into the lens.",
                up=("emma", "daniel"),
                edit=Edit(
                    editor="lucas",
                    body=(
                        "The infrared lights reflect off the window glass straight back into the lens. Put the camera "
                        "right against the glass (lens touching it) so there is no gap for the reflection, or switch "
                        "night vision to *Off* and rely on an outdoor light instead."
                    ),
                    reason="Added the two ways to fix it",
                ),
            ),
        ),
    ),
)
