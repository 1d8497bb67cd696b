# ruff: noqa: E501  (pattern tables; Han characters count double in line width)
"""Precise patterns for prohibited collector conduct and customer signals.

Patterns run on normalised text (simplified Chinese, half-width, lower case), so one
pattern serves zh-CN and zh-TW. Each entry is a regular expression; a match preceded by a
negation cue in the same clause ("我们不会起诉你", "we will not sue you") does not count
(see ``rules.is_negated``), unless the category lists it as negation-proof.
Written from the prohibited-conduct list of the compliance spec (cn pack: GB/T 45251-2025,
NIFA 2024 guideline; us: FDCPA 806-808; gb: CONC 7) and from our annotated examples.
"""

from __future__ import annotations

# Shared fragments --------------------------------------------------------------------------
YOU = r"(?:你|您|你们|你妈|你爸|你家)"
HIM = r"(?:他|她|他们|她们)"
FAM = (r"(?:老公|丈夫|老婆|妻子|爱人|儿子|女儿|孩子|小孩|子女|父母|爸爸|妈妈|爸|妈|父亲|母亲|"
       r"哥哥|弟弟|姐姐|妹妹|哥|弟|姐|妹|家人|家里人|亲戚|亲属|朋友|同事|同学|领导|老板|上司|"
       r"邻居|全家|一家人|一家老小|家属|公公|婆婆|岳父|岳母|男朋友|女朋友|对象|紧急联系人|"
       r"联系人|通讯录|单位|公司)")
EN_FAM = (r"(?:husband|wife|spouse|son|daughter|kids?|children|child|mother|mom|mum|father|"
          r"dad|parents?|brother|sister|family|relatives?|friends?|neighbou?rs?|boss|"
          r"employer|manager|co-?workers?|colleagues?|in-laws?|girlfriend|boyfriend|partner)")
DEBT = r"(?:欠|欠款|欠钱|欠债|债|贷款|借款|网贷|逾期|拖欠|还款|没还|不还|还钱|赖账|账单|催收)"
EN_DEBT = (r"(?:owes?|owing|debt|loan|overdue|arrears|behind on|(?:hasn't|has not|didn't|did not)"
           r" (?:paid|pay)|defaulted|delinquent|unpaid|collections?)")

ZH: dict[str, list[str]] = {
    # --- collector violations ---------------------------------------------------------
    "threat": [
        r"(?:打断|打折|砍断|卸了|剁了)" + YOU + r"?(?:的)?(?:腿|手|胳膊|脚)",
        r"(?:弄死|搞死|整死|打死|砍死|捅死|弄残|废了|收拾)" + YOU,
        r"(?:让|叫)" + YOU + r"(?:好看|吃不了兜着走|后悔|付出代价|不得好死|活不下去|生不如死|没好日子过)",
        r"(?:等着瞧|走着瞧|你给我等着|后果自负|小心(?:点|你的|你家|你孩子|你老婆|你老公|一点)|"
        r"出门小心|走夜路小心|别怪我们不客气|对你不客气|别怪我不客气)",
        r"(?:知道|晓得|查到|找到了?)" + YOU + r"?(?:的)?(?:住哪|住在哪|家在哪|家住|家地址|住址|"
        r"孩子在哪|小孩在哪|孩子(?:的)?学校|在哪(?:上班|上学)|每天几点)",
        r"(?:去|到|派人去|找人去|带人去|叫人去|上)" + YOU + r"?(?:的)?(?:家|学校|孩子学校|老家|单位)"
        r"(?:门口)?(?:堵|蹲|等|闹|找麻烦|泼|砸|守着)",
        r"(?:泼油漆|砸门|砸你家|放火|烧了你|找人弄你|找人收拾|找几个兄弟|道上的)",
        r"(?:堵你|蹲你|跟踪你|盯着你|天天跟着你)",
        r"(?:对|把)?" + YOU + r"?(?:的)?(?:家人|孩子|老婆|老公|父母|爸妈|女儿|儿子)(?:做点什么|不客气|"
        r"出点事|出事|有危险|不安全|遭殃|好看|受罪|倒霉)",
        r"(?:血债|见血|要你的命|要你命|让你消失)",
    ],
    "insult": [
        r"(?:傻逼|傻b|傻x|煞笔|沙比|sb|二逼|脑残|智障|白痴|蠢货|蠢猪|猪脑子|废物|垃圾|人渣|败类|"
        r"畜生|畜牲|王八蛋|混蛋|杂种|狗东西|狗娘养|贱人|贱货|婊子|臭婊|不要脸|没脸没皮|厚脸皮|"
        r"无耻|下贱|穷鬼|穷逼|屌丝|loser|死皮赖脸|丢人现眼|没教养|没出息|贱骨头|狗日|日你|操你|"
        r"草你|cnm|tmd|他妈的|妈的|你妈的|你妈逼|尼玛|滚蛋|滚出|去死|死全家|全家死|死一边|"
        r"不得好死|短命鬼|赖皮|赖子|骗子|人渣|寄生虫|吸血鬼|臭不要脸|不是人|猪狗不如|狗都不如)",
        r"(?:老赖|赖账的东西|欠钱不还的东西|什么东西)",
        r"(?:你|您)(?:这个|这种)?(?:人|东西)?(?:真|太|就是个?|是个|算个|真是个)(?:恶心|垃圾|废物|"
        r"low|下作|可耻|没用|窝囊|丢人|蠢|笨|贱)",
        r"(?:^|[，,。!！ ])滚(?:吧|啊|远点|开)?(?:$|[，,。!！ ])",
    ],
    "impersonation": [
        r"(?:我|我们|这里|这边)(?:是|就是|代表|属于|来自)(?:[^，,。！？!?；;]{0,6})?(?:公安|警察|派出所|公安局|刑警|"
        r"经侦|民警|法院|法官|检察院|检察官|执行局|律师|律所|律师事务所|政府|司法局|司法所|银保监|"
        r"金融监管|人民银行|央行|征信中心|网警|国安|纪委|仲裁委)",
        r"(?:我是|我们是)(?:[^，,。！？!?；;]{0,6})?(?:警官|民警|警察|法官|检察官|律师|执行员|书记员|法警)",
        r"(?:公安|警察|派出所|法院|检察院|律师事务所|律所|经侦大队|执行局)(?:这边|的)?(?:打来|来电|通知你|"
        r"正式通知|给你打|找你|工作人员)",
        r"(?:警号|工号是法院|执行庭的|法务部律师|本律师|律师函是我们律师)",
        r"(?:我们已经是|现在是)(?:警方|司法机关|法院)(?:介入|在处理)",
    ],
    "false_consequence": [
        r"(?:坐牢|判刑|蹲监狱|进监狱|关进去|抓进去|抓起来|抓你|逮捕|拘留|刑事责任|刑拘|"
        r"判你|吃牢饭|劳改|通缉|追究刑事)",
        r"(?:黑名单|失信人?名单|全国通报|全网通报|公告全国|全国联网)",
        r"(?:孩子|小孩|子女|儿子|女儿|后代)(?:[^，,。！？!?；;]{0,6})(?:不能|没法|无法|上不了|进不了|考不了)"
        r"(?:上学|读书|考公|考公务员|当兵|参军|入学|上大学|考大学|学校|好学校|好大学|考编)",
        r"(?:上不了学|考不了公务员|政审不过|政审通不过|影响孩子|影响子女|连累(?:你的)?(?:家人|孩子|子女))",
        r"(?:冻结|查封|没收|拍卖|收走|扣押)(?:你|您)?(?:的)?(?:所有|全部|名下)?(?:的)?(?:银行卡|账户|"
        r"存款|房子|房产|车|车子|财产|工资|资产|微信|支付宝)",
        r"(?:坐不了|乘不了|买不了|不能坐|不能买)(?:飞机|高铁|火车|房|车)",
        r"(?:明天|马上|今天|立刻|立即|三天内|24小时内|下午)(?:就)?(?:会)?(?:有人|警察|法院|律师)?(?:就)?"
        r"(?:上门|来抓|立案|起诉|开庭|强制执行|执行|查封|冻结)",
        r"(?:已经|正式)(?:立案|被起诉|起诉你|移交(?:公安|法院|司法)|报案|报警)",
        r"(?:诈骗罪|恶意透支罪|拒不执行|骗贷罪|涉嫌犯罪|犯罪记录|案底|征信(?:永远|一辈子|终身)|"
        r"一辈子(?:都)?(?:毁了|完了|贷不了|翻不了身)|征信(?:上)?(?:会)?(?:全毁|毁了|烂了))",
        r"(?:翻倍|罚款|罚你|滞纳金翻|利息翻|罚息翻)(?:[^，,。！？!?；;]{0,4})(?:倍|万)",
        r"(?:开除|丢工作|失业|被辞退)(?:[^，,。！？!?；;]{0,4})(?:肯定|一定|保证|等着)",
        r"(?:让你|会让你|会害你)(?:丢|失去)(?:工作|饭碗)",
    ],
    "third_party_disclosure": [
        r"(?:你|您)(?:的)?" + FAM + r"(?:[^，,。！？!?；;]{0,8})" + DEBT,
        HIM + r"(?:在我们(?:这|这里|公司|平台))(?:[^，,。！？!?；;]{0,4})(?:欠|借了|借的|贷了|逾期|拖欠|没还|不还|赖账)",
        r"(?:转告|告诉|提醒|通知|跟)" + HIM + r"(?:[^，,。！？!?；;]{0,10})" + DEBT,
        r"(?:让|叫|劝)" + HIM + r"(?:[^，,。！？!?；;]{0,6})(?:还钱|还款|还上|把钱还|把欠的|处理欠款|处理一下欠款|结清)",
        r"(?:替|帮)" + HIM + r"(?:还|还钱|还款|还上|把钱还|垫|出这笔钱|把账还)",
        r"(?:你|您)(?:是|作为)(?:他|她)(?:的)?(?:紧急联系人|担保人|家属)[^，,。！？!?；;]{0,12}" + DEBT,
        r"(?:替|帮|代|给)(?:你)?" + FAM + r"(?:还|还钱|还款|还债|还上|垫付|垫钱)",
    ],
    "borrow_to_pay": [
        r"(?:去|找|跟|向|问)(?:[^，,。！？!?；;]{0,6})(?:借(?!款|据|条|给)|凑|周转)(?:[^，,。！？!?；;]{0,8})(?:还|还钱|还款|"
        r"还上|还我们|把钱|补上|还清|结清|来还)",
        r"(?:借(?!款|据|条|给|的)|贷(?!款))(?:[^，,。！？!?；;]{0,6})(?:来|去)?(?:还|还钱|还款|还上|还清|补上|填上)",
        r"(?:用|拿|刷|套|借|去借|办|申请|开通|下载|找|上)(?:个|张|一张|一下|点|些|几个)?(?:别的|其他|其它)?"
        r"(?:网贷|小贷|高利贷|借呗|花呗|微粒贷|京东白条|白条|信用卡|分期乐|拍拍贷|贷款app|借款app|平台)"
        r"(?:[^，,。！？!?；;]{0,8})(?:还|周转|套|补上|填上|借)",
        r"(?:信用卡套现|套现(?:来)?还|抵押(?:房子|车子|车)(?:来|去)?还|当铺|高利贷)",
        r"(?:以贷养贷|借新还旧|拆东墙补西墙|拆东墙|撸口子|再办(?:一)?张(?:信用)?卡|办(?:一)?张信用卡|"
        r"申请(?:个|一个|一笔)?(?:网贷|贷款|信用卡)|下载(?:几个|一个)?(?:贷款|借款)(?:app|软件))",
        r"(?:找|让|叫|跟)(?:你)?(?:的)?" + FAM + r"(?:[^，,。！？!?；;]{0,4})(?:借|要|拿|出|凑)(?:[^，,。！？!?；;]{0,4})(?:钱|点|一下)?",
    ],
    "harassment": [
        r"(?:一直|天天|每天|每小时|每隔|不停|24小时|轮流|反复|持续|连环)(?:[^，,。！？!?；;]{0,6})(?:打|呼|call|轰炸|骚扰)"
        r"(?:[^，,。！？!?；;]{0,6})(?:电话|给你|给你家|你家|你单位|你公司|你们|你爸|你妈|你老婆|你老公|家人|"
        r"联系人|同事|直到)",
        r"(?:打爆|轰炸|呼死|爆(?:你)?(?:的)?通讯录|爆通讯录|短信轰炸|电话轰炸|打到你接|打到你还|"
        r"打到你|打到接为止)",
        r"(?:打给|打电话给|通知|联系|告诉|发给|发短信给|群发给|打)(?:你|您)?(?:的)?(?:所有|全部|每个|每一个|挨个)"
        r"(?:的)?(?:通讯录|联系人|亲戚朋友|同事|领导|老板|家人|亲戚|朋友)",
        r"(?:打给|打电话给|通知|告诉|发给|发短信给|群发给|找)(?:你|您)(?:的)?(?:通讯录|同事|领导|老板|单位|"
        r"公司|人事|hr)",
        r"(?:去|到|上)(?:你|您)(?:的)?(?:单位|公司|厂里|学校|店里|村里|小区)(?:[^，,。！？!?；;]{0,6})(?:闹|拉横幅|贴|"
        r"喊|公开|宣传|说你|让你丢人|找你领导|曝光)",
        r"(?:曝光|公开)(?:你|您)",
        r"(?:发|挂|贴|晒|传)(?:到|在|上)?(?:你的)?(?:朋友圈|群里|网上|微博|抖音|小区|公告栏|村口|网络|家族群|业主群)",
        r"(?:大字报|传单|横幅|通缉令)",
        r"(?:让|叫)(?:你)?(?:的)?(?:所有人|全村|全公司|全单位|大家|同事们|邻居们|亲戚们)(?:都)?"
        r"(?:知道|看看|看到|评评理)",
        r"(?:社死|身败名裂|没脸见人|抬不起头)",
    ],
    # --- customer signals ----------------------------------------------------------------
    "hardship": [
        r"(?:失业|下岗|被裁|裁员|被辞|辞退|被开除|丢了工作|工作丢了|没了工作|没工作了?|找不到工作|"
        r"公司倒闭|厂子倒闭|厂里倒闭|工厂倒闭|停工|停产|放假没工资|待业|被优化|降薪|减薪|工资降|欠薪|"
        r"拖欠工资|发不出工资|工资没发|几个月没发工资|没发工资)",
        r"(?:生病|病了|住院|手术|开刀|癌|肿瘤|化疗|透析|重病|大病|病重|瘫痪|中风|车祸|受伤|骨折|"
        r"残疾|医药费|医疗费|看病|治病|icu|抢救|确诊|病危|卧床)",
        r"(?:生意(?:失败|亏|赔|黄了|不好|做不下去|垮)|店(?:倒闭|关门|开不下去|黄了)|亏本|亏损|赔光|"
        r"破产|倒闭|被骗|血本无归|资金链断)",
        r"(?:去世|过世|人不在了|丧事|葬礼|办后事|白事|离世|病逝|身故)",
        r"(?:离婚|离异|被家暴|怀孕|生孩子|坐月子|产假|刚生|孩子刚出生|小孩生病|孩子生病|老人生病|"
        r"父母生病|家里出事|家里出了事|出了事|遭灾|受灾|房子被淹|火灾|洪水|地震|疫情)",
        r"(?:没钱|没有钱|没有收入|没收入|没有一分钱|身无分文|一分钱都没有|揭不开锅|吃饭都成问题|"
        r"吃不上饭|活不下去|撑不下去|熬不下去|走投无路|实在还不上|实在还不起|真的还不起|"
        r"还不起|还不上|拿不出|凑不出|付不起|负担不起|养不起|压力(?:太|很|非常|特别)?大|"
        r"入不敷出|周转不开|手头紧|经济困难|困难|难处|没办法还|没能力还|只能还一部分|只能先还)",
    ],
    "dispute": [
        r"(?:不是我(?:借|贷|申请|办|欠|的)|我(?:从来)?(?:没有|没|从没|从来没有?)(?:借|贷|申请|办|欠)"
        r"(?:过)?|我根本(?:没|没有|就没)(?:借|贷|申请|办|欠)|这(?:笔|个)(?:钱|款|账|贷款|借款)?(?:不是|"
        r"跟我没|和我没|与我无)|跟我(?:没|没有)关系|和我(?:没|没有)关系|与我无关|不认识这笔|"
        r"不认这笔|不认账|我不认)",
        r"(?:冒用|盗用|被盗|被冒名|冒名|身份证(?:丢|掉|被人)|被人(?:用|拿)(?:我的)?(?:身份证|身份|"
        r"信息|名字)|信息泄露|被骗贷|盗刷|被人冒|被人借)",
        r"(?:(?:已经|早就|早都)(?:全部|全都|都)?(?:还|还清|还完|结清|付|付清|转|打|交)(?:了|过了|过|完了|清了)|"
        r"(?:上个?月|上周|昨天|前天|之前)(?:就)?(?:已经)?(?:全部|全都|都)?(?:还清|还完|结清|付清)|还清了|结清了|还完了|付清了|付过了|还过了|转过去了|"
        r"有(?:还款|转账|付款)?(?:记录|凭证|截图|回单)|缴过了)",
        r"(?:金额不对|数目不对|数字不对|账不对|账目不对|算错|多算|多收|乱收|收费不合理|利息不对|"
        r"不是这个数|没有这么多|哪有这么多|没欠这么多|没欠那么多|不认这个金额|有异议|提出异议|"
        r"我要(?:申诉|核实|对账|查账)|先核实|要求核实|给我账单明细|重复扣款)",
    ],
    "cease_request": [
        r"(?:别|不要|不准|不许|请勿|勿|停止|不用|甭|请别|请不要|不想再|不想)(?:再|在)?(?:给我)?"
        r"(?:打|打电话|打来|打过来|来电|打了|联系|骚扰|找|发短信|发信息|催)",
        r"(?:以后|今后|从现在起|从今天起|往后)(?:[^，,。！？!?；;]{0,6})(?:别|不要|不准|不许|勿|停止)(?:[^，,。！？!?；;]{0,4})"
        r"(?:打|联系|来电|找我|骚扰|发)",
        r"(?:书面|写信|发信|寄信|邮寄|发邮件|电邮|邮件|来函|纸质)(?:[^，,。！？!?；;]{0,6})(?:联系|沟通|通知|方式|说|给我|"
        r"寄|发|处理)",
        r"(?:只接受|只能|请|请通过|改用|改成)(?:[^，,。！？!?；;]{0,4})(?:书面|邮件|信件|写信|短信|邮寄)",
        r"(?:联系我的?律师|找我(?:的)?律师|跟我律师|委托了?律师|我的律师会|我请了律师)",
        r"(?:停止催收|停止联系|停止骚扰|停止打电话|别再骚扰|不要再骚扰)",
    ],
    "anger": [
        r"(?:滚|他妈|妈的|tmd|你妈|操你|我操|操他|草泥马|cnm|fuck|傻逼|sb|神经病|你们有病|有病吧|脑残|"
        r"混蛋|王八蛋|烦死了?|烦不烦|有完没完|够了没|受够|气死|受够了|吸血鬼|强盗|土匪|黑社会|流氓|骗子|不要脸|"
        r"什么玩意|什么东西|去死|闭嘴|欺人太甚|太过分|欺负人|找死|你算老几|滚蛋|我警告你|"
        r"投诉你们|告你们|举报你们|曝光你们|报警抓你们|凭什么|忍无可忍|要疯了|搞什么|"
        r"吵死|一天打八百|烦透了|恶心)",
        r"[!！]{2,}",
    ],
}

EN: dict[str, list[str]] = {
    "threat": [
        r"\b(?:break|snap|smash) (?:your|ur|his|her) (?:legs?|arms?|neck|face|knees?|fingers?)",
        r"\b(?:hurt|kill|beat|harm|find and hurt|deal with|take care of|get) (?:you|your (?:family|kids?|"
        r"children|wife|husband|son|daughter|mother|parents))\b",
        r"\bwe know where (?:you|your|they)\b",
        r"\b(?:watch|mind) your (?:back|step|kids?|family)\b",
        r"\b(?:you(?:'ll| will)|you're going to|you are going to|gonna) (?:regret|be sorry|pay for this|"
        r"get hurt|wish you)\b",
        r"\b(?:something (?:bad|terrible|unfortunate) (?:will|could|might|may|is going to) happen|"
        r"accidents happen|be a shame if|would be a pity if|can't guarantee (?:your|their) safety|"
        r"for your own safety|it would be a shame)\b",
        r"\b(?:show up|come|turn up|wait|be waiting) (?:at|outside|near) (?:your|ur) (?:house|home|door|"
        r"place|kids?'? school|children's school|work|office)\b[^.!?]{0,30}(?:tonight|night|sort|deal|until|"
        r"every day|waiting|make you|teach)",
        r"\b(?:following|follow|watching|been watching|track|tracked|stalk|stalking) (?:you|your)\b",
        r"\bsend (?:some )?(?:guys|people|boys|someone|men) (?:round|over|around|to)\b",
        r"\b(?:teach you a lesson|make you suffer|make your life (?:hell|miserable)|you've been warned|"
        r"last warning before|or else\b|you won't like what happens)",
        r"\bwe know (?:which|what) school\b",
    ],
    "insult": [
        r"\b(?:idiot|idiotic|stupid|moron|moronic|imbecile|dumb(?:ass)?|loser|deadbeat|scum(?:bag)?|"
        r"worthless|pathetic|useless|lowlife|low-life|parasite|leech|trash|garbage|bitch|bastard|"
        r"asshole|arsehole|dickhead|dick|prick|cunt|twat|wanker|jerk|retard(?:ed)?|fool|clown|freeloader|"
        r"bum|sleazeball|piece of (?:shit|crap|garbage|trash)|disgrace|disgusting|shameless|pig|"
        r"liar|cheat|thief|crook|fraudster|sponger)\b",
        r"\b(?:fuck(?:ing|er|ed)?|f\*+k\w*|shit(?:ty|head)?|damn you|screw you|go to hell|drop dead|"
        r"shut up|shut your mouth)\b",
        r"\b(?:no wonder you(?:'re| are) broke|people like you|your kind|grow a spine|have you no shame|"
        r"bottom feeder|sorry excuse for)\b",
    ],
    "impersonation": [
        r"\b(?:this is|i am|i'm|we are|we're|i'm calling from|calling from|i'm with|we're with|i work (?:for|with)|"
        r"here from|on behalf of|speaking for|representing) (?:the |a |an )?(?:\w+ ){0,3}(?:police|"
        r"sheriff'?s?|court|courthouse|magistrate|judge|district attorney|attorney general|fbi|irs|"
        r"hmrc|department of justice|doj|government|federal agent|detective|constable|"
        r"bailiff'?s? office|marshal'?s? office|law enforcement|state prosecutor|prosecutor|"
        r"cfpb|fca)\b",
        r"\b(?:i am|i'm|this is) (?:an? )?(?:attorney|lawyer|solicitor|barrister|"
        r"process server|police officer|detective|federal agent|sergeant|deputy|judge|court clerk)\b",
        r"\b(?:badge number|warrant officer|court officer speaking|this is officer|this is agent|"
        r"this is detective|this is deputy|this is sergeant|from the (?:county|district|high|"
        r"magistrates'?) court)\b",
        r"\b(?:our|my) (?:law firm|legal department's attorneys?) (?:is|are) (?:now )?(?:calling|"
        r"handling|representing)\b",
    ],
    "false_consequence": [
        r"\b(?:go|going|be sent|sent|end up|land) (?:to|in) (?:jail|prison)\b",
        r"\b(?:arrest(?:ed)?|locked up|jail time|prison time|criminal (?:charges?|record|offen[cs]e|"
        r"case)|warrant (?:for|out for) your arrest|arrest warrant|handcuff|deport(?:ed|ation)?|"
        r"prosecuted|charged with (?:fraud|theft)|commit(?:ted|ting)? fraud)\b",
        r"\b(?:blacklist(?:ed)?|black list|banned from (?:all|every|any) (?:banks?|lenders?|credit)|"
        r"never (?:get|be able to get|be approved for) (?:credit|a loan|a mortgage|a job|a house)"
        r"(?: again)?|ruin(?:ed)? your credit (?:forever|for life|permanently)|"
        r"credit (?:will be|is) (?:destroyed|ruined) forever|rest of your life)\b",
        r"\b(?:your (?:kids?|children|son|daughter)(?:'s)? (?:won't|will not|can't|cannot|will never) "
        r"(?:be able to )?(?:go to|attend|get into|enrol|enroll)|kids? (?:will be )?(?:expelled|kicked "
        r"out of school))\b",
        r"\b(?:seize|take|repossess|confiscate|freeze|auction) (?:your|all your|every) (?:house|home|"
        r"car|property|assets|bank accounts?|accounts?|wages?|salary|belongings|savings|benefits)\b",
        r"\b(?:garnish(?:ed)? your wages?|garnishment) (?:tomorrow|today|this week|immediately|right away)",
        r"\b(?:(?:police|sheriff|officers?|bailiffs?|marshals?) (?:will|are going to|are gonna|"
        r"is going to) (?:come|be at|show up|knock|pick you up|visit)|(?:lose|losing) your (?:job|house|"
        r"home|kids|children))\b",
        r"\b(?:already (?:filed|started) (?:a )?(?:criminal|lawsuit|suit|charges)|we (?:have|'ve) "
        r"(?:filed|issued) (?:a )?(?:warrant|criminal)|sue you (?:tomorrow|today|by tonight|first thing)|"
        r"court (?:date|hearing) (?:is )?(?:tomorrow|today)|debt (?:will )?(?:double|triple)s?)\b",
    ],
    "third_party_disclosure": [
        r"\b(?:your|ur) " + EN_FAM + r"(?:'s)? (?:\w+ ){0,4}" + EN_DEBT,
        r"\b(?:he|she) (?:still )?(?:owes?|owe) (?:us|our company|the bank|my client|money|a lot)\b",
        r"\b(?:tell|let|remind|inform|ask) (?:him|her|them) (?:\w+ ){0,5}(?:pay|owe|debt|loan|overdue|"
        r"balance|arrears|payments?)\b",
        r"\b(?:pay|cover|settle|clear) (?:his|her|their|it for (?:him|her|them))\b",
        r"\b(?:you(?:'re| are) (?:listed as )?(?:his|her|their) (?:emergency contact|reference|"
        r"relative))[^.!?]{0,40}(?:owe|debt|loan|pay|overdue)",
    ],
    "borrow_to_pay": [
        r"\b(?:borrow|loan) (?:\w+ ){0,4}(?:from|off) (?:a |your |ur |the )?(?:\w+ )?(?:family|friends?|"
        r"parents?|mother|mom|mum|father|dad|brother|sister|relatives?|cousin|boss|employer|neighbou?r|"
        r"someone|anyone|somebody|another lender|payday|co-?worker|colleague)",
        r"\b(?:take|get|apply for|open|sign up for) (?:out )?(?:a |another |a new |one more |a quick )?"
        r"(?:payday|personal|title|short[- ]term|new|second|quick|online|cash|bank)? ?(?:loan|advance|"
        r"credit card|line of credit|overdraft)\b(?:[^.!?]{0,40})(?:pay|clear|settle|cover|us\b|this|balance)",
        r"\b(?:put (?:it|this|the balance|the payment|the amount) on (?:a |your |another )?(?:credit card|"
        r"card)|max out|cash advance|use (?:a|your|another) credit card to pay|pawn (?:your|something)|"
        r"payday lender|borrow the money|borrow it|borrow what you need|borrowing the money)\b",
        r"\b(?:ask|get|have) (?:your |ur )?" + EN_FAM + r" (?:\w+ ){0,3}(?:to )?(?:lend|loan|give|"
        r"cover|help (?:you )?(?:with|pay)|pay|spot)\b",
    ],
    "harassment": [
        r"\b(?:keep|keep on|be) (?:calling|ringing|phoning|texting|messaging)(?: you| your \w+)?"
        r"(?:[^.!?]{0,40})(?:all day|every (?:hour|day|single day|minute|night)|until|day and night|"
        r"24/7|nonstop|non-stop|round the clock)",
        r"\b(?:call|ring|phone|text|contact|email|visit|tell|inform|notify) (?:every|all) (?:\w+ )?"
        r"(?:number|contacts?|relatives?|friends?|neighbou?rs?|colleagues?|co-?workers?|person)",
        r"\b(?:call|ring|phone|contact|tell|email|inform|notify|visit|turn up at) (?:your |ur )?(?:boss|"
        r"employer|manager|hr|workplace|office|work|colleagues?|co-?workers?|whole (?:office|family|"
        r"street|church))\b(?:[^.!?]{0,40})(?:tell|know|owe|debt|deadbeat|embarrass|shame|until|about)",
        r"\b(?:everyone|everybody|all your (?:\w+ )?(?:friends|colleagues|coworkers|neighbou?rs|family))"
        r" (?:at|in|on) (?:\w+ ){0,2}(?:will|is going to|gonna) (?:know|find out|hear)",
        r"\b(?:post|put|share|publish|plaster) (?:\w+ ){0,4}(?:on|to|across|all over) (?:social media|"
        r"facebook|instagram|twitter|x\b|tiktok|the internet|online|the neighbou?rhood)",
        r"\b(?:shame you|embarrass you|humiliate you|make an example of you|name and shame|"
        r"every hour until|call you every|calls? (?:you )?(?:\d+|fifty|twenty|a hundred|100) times)\b",
    ],
    "hardship": [
        r"\b(?:lost (?:my|our) (?:job|income|work|business|house|home)|laid off|made redundant|"
        r"redundan(?:t|cy)|got fired|was fired|been fired|unemployed|out of work|jobless|furlough(?:ed)?|"
        r"hours (?:were |got |have been )?cut|pay cut|no income|no work|can't find (?:a )?(?:job|work)|"
        r"haven't been paid|salary (?:is )?(?:late|delayed|unpaid)|benefits? (?:stopped|cut))\b",
        r"\b(?:sick(?! of| and tired)|ill|illness|hospital|hospitali[sz]ed|surgery|operation|cancer|chemo|tumou?r|stroke|"
        r"heart attack|diagnos\w+|medical (?:bills?|treatment|leave)|disabled|disability|injur\w+|"
        r"accident|in treatment|icu|dialysis|depress\w+|mental health|breakdown|pregnan\w+|maternity)\b",
        r"\b(?:business (?:failed|collapsed|went under|closed|is failing|went bust)|shop (?:closed|"
        r"went under)|went bankrupt|bankrupt(?:cy)?|lost everything|closed (?:my|the|our) (?:shop|"
        r"store|restaurant|business))\b",
        r"\b(?:passed away|died|death|funeral|bereave\w+|lost (?:my|our) (?:husband|wife|mother|father|"
        r"mum|mom|dad|son|daughter|brother|sister|partner|baby|child))\b",
        r"\b(?:divorce\w*|separated|domestic abuse|flood(?:ed)?|fire destroyed|house fire|evict(?:ed|ion)?)\b",
        r"\b(?:can(?:no|')t afford|cannot afford|can not afford|struggling|broke\b|skint|no money|"
        r"not a penny|don't have (?:the |any )?money|don't have it|barely (?:eat|feed|surviv\w+|"
        r"making ends meet|get by)|can't (?:make|pay) (?:the )?(?:full|whole|these) (?:payments?|amount)|"
        r"can(?:no|')t pay (?:it |this |that )?(?:all|in full|right now)|falling apart|at my wits' end|"
        r"drowning|hard times|tough time|difficult time|financial difficult\w+|money troubles?|"
        r"can only (?:pay|afford) (?:a little|part|some|\$?\d+)|behind on (?:rent|everything))",
    ],
    "dispute": [
        r"\b(?:not my (?:debt|loan|account|card|balance)|(?:this|that|it) (?:isn't|is not|ain't) "
        r"(?:my|mine)|never (?:took out|borrowed|opened|applied|signed|had)|didn't (?:take out|borrow|"
        r"open|apply|sign)|did not (?:take out|borrow|open|apply|sign)|i don't owe|i do not owe|"
        r"don't owe (?:you|this|that|anything)|wrong (?:person|number|guy|name)|nothing to do with me)\b",
        r"\b(?:identity (?:theft|thief|was stolen|fraud)|stole my (?:identity|id|details|card)|"
        r"someone (?:used|opened|took out) (?:\w+ ){0,2}(?:my|in my)|fraudulent(?:ly)?|fraud on my|"
        r"without my (?:consent|knowledge|permission)|scam(?:med)? me)\b",
        r"\b(?:already paid|paid (?:it|this|that|the balance|the loan|everything) (?:off|in full|back|"
        r"already)|paid (?:it )?(?:in full|off)|i (?:already |have already |already have )?paid (?:it|that|this|the loan|the balance|everything)(?: off| in full| back)|have (?:a |the )?receipts?|"
        r"proof of payment|bank statement shows|settled (?:it|this|the account)|cleared it|"
        r"it was paid|was paid off)\b",
        r"\b(?:wrong amount|amount is wrong|incorrect (?:amount|balance|charges?)|overcharg\w+|"
        r"charged twice|double charged|don't recogni[sz]e|do not recogni[sz]e|i dispute|dispute (?:this|"
        r"the|that)|want (?:it )?verif\w+|validation|verify (?:this|the) debt|prove (?:it|that i owe)|"
        r"never received|not what i owe|doesn't add up|that's not right)\b",
    ],
    "cease_request": [
        r"\b(?:stop|quit|cease) (?:calling|ringing|phoning|contacting|texting|harass\w+|bothering|"
        r"messaging|emailing|chasing)\b",
        r"\b(?:don't|do not|never|dont) (?:call|ring|phone|contact|text|bother) (?:me|us|this number|"
        r"here)(?: again| anymore| any more| ever)?",
        r"\b(?:in writing|by (?:post|mail|letter|e-?mail)|write to me|send (?:me )?(?:a )?letter|"
        r"(?:put|send) it in writing|only (?:contact|reach) me (?:by|via|through)|written "
        r"(?:communication|notice)|email me instead|letters only)\b",
        r"\b(?:talk to|speak to|contact|call|deal with) my (?:lawyer|attorney|solicitor)|i have (?:a|an) "
        r"(?:lawyer|attorney|solicitor)|(?:lawyer|attorney|solicitor) (?:is|will be) handling\b",
        r"\b(?:leave me alone|take me off your (?:list|calling list)|remove (?:my number|me)|"
        r"no more calls|cease (?:and desist|communication|all contact)|cease contact)\b",
    ],
    "anger": [
        r"\b(?:fuck\w*|f\*+\w*|shit\w*|damn\w*|bloody|hell|bullshit|crap|piss(?:ed)?|sick of|fed up|"
        r"ridiculous|outrageous|unbelievable|disgusting|harass\w+|leeches|vultures?|scum|crooks?|"
        r"thieves|how dare|sick and tired|enough is enough|furious|livid|angry|pathetic|joke|"
        r"sue you|report you|complain(?:t)? about you|who do you think|shut up|go to hell|"
        r"piss off|get lost|screw you|idiots?|morons?|bastards?)\b",
        r"[!]{2,}",
    ],
}

# Emotion cues (besides anger, which shares the anger signal) ---------------------------------
EMOTION_ZH: dict[str, list[str]] = {
    "anxiety": [r"(?:担心|着急|急死|害怕|怕|慌|紧张|焦虑|怎么办|睡不着|不知道该|心里没底|求求|"
                r"拜托|求你|会不会|能不能别|别起诉|别告|千万别|吓死|恐慌|坐立不安|压力)"],
    "sadness": [r"(?:难过|伤心|痛苦|哭|绝望|崩溃|没希望|心碎|走投无路|不想活|活着没意思|"
                r"对不起|惭愧|愧疚|可怜|悲|命苦|唉|去世|过世|撑不下去|熬不下去)"],
    "positive": [r"(?:谢谢|感谢|多谢|好的|好嘞|没问题|可以的|理解|明白了|太好了|放心|一定还|"
                 r"马上还|今天就还|这就还|按时还|愿意|同意|行啊|好啊|辛苦了|麻烦你了|帮了大忙)"],
}
EMOTION_EN: dict[str, list[str]] = {
    "anxiety": [r"\b(?:worried|worry|worrying|scared|afraid|frightened|anxious|panic\w*|nervous|"
                r"stressed|stress|terrified|what (?:do|should|can) i do|please don't|can't sleep|"
                r"losing sleep|desperate|begging|what happens if|will i go)\b"],
    "sadness": [r"\b(?:sad|sadly|devastated|heartbroken|crying|cry|tears|hopeless|miserable|"
                r"depressed|grief|grieving|lost my|passed away|died|ashamed|sorry|give up|"
                r"no way out|broken|lonely)\b"],
    "positive": [r"\b(?:thank\w*|thanks|great|appreciate\w*|sounds good|that works|perfect|"
                 r"happy to|glad|helpful|wonderful|ok(?:ay)?,? (?:i will|i'll|sure|deal)|sure|"
                 r"will pay (?:today|tomorrow|on)|i can do that|agreed?|deal|understood|"
                 r"no problem|lovely)\b"],
}

# Negation cues: a match whose clause prefix ends with one of these does not count.
NEG_ZH = (r"(?:不会|不可能|不打算|不想|不要|不用|没有|没|并不|并没有|绝不|决不|绝对不|从不|"
          r"从来不|从来没有|无意|不是|并非|不必|别|不能|不得|禁止|严禁|不应该|不应|不许|不准|勿|"
          r"也不|也没|都不|都没|不曾|未曾|未)"
          r"(?:会|要|打算|说|说过|说要|想|去|再|对你|把你|跟你|让|给|是|会去|会对|会让|"
          r"要求|允许|可以|能|曾|用|存在|有|提到|提过|威胁|说你|讲)*\s*$")
NEG_EN = (r"(?:\b(?:not|never|no|dont|wont|cant|no one|nobody|nothing|nor|neither|without)|n't)"
          r"(?:\s+(?:be|being|going|go|to|ever|actually|gonna|try|trying|plan|planning|intend|"
          r"intending|want|wanting|threaten|threatening|say|saying|said|about|any|of|that|we|"
          r"will|would|is|are|anyone|on|ever|at|all|here|calling|able|allowed|permitted|"
          r"mean|meant|like|suggest|suggesting|asking|ask|you|i|us|tell|telling|the|a|"
          r"need|have|has|had|do|does|did|threatened|going))*\s*$")
# Categories where a preceding negation does not cancel (the words are abuse either way).
NEGATION_PROOF = frozenset({"insult", "anger"})
# Customer signals whose own wording contains a negation ("不是我借的", "stop calling"):
# their patterns already encode it, so the clause prefix is not checked.
SIGNAL_NEGATION_EXEMPT = frozenset({"dispute", "cease_request", "hardship"})
