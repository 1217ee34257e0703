"""A book in the scripts the print channel shapes: names and addresses as people write them.

Names and addresses are fictional but shaped like real ones (common given and family names,
real street and city names, the destination's own postal code format), each in the script
of its country, and one Urdu address with Urdu digits. The ``words`` are checked against
HarfBuzz's own shaping of the same text in the same font.
"""

from __future__ import annotations

from printing import person

from outreach.contact import Address

#: (uid, script, name, given, address, a few words of the script for the shaping check)
SCRIPTS: list[tuple[str, str, str, str, Address, tuple[str, ...]]] = [
    (
        "sa",
        "Arabic",
        "محمد عبد الله الشهري",
        "محمد",
        Address(
            street=("شارع الملك فهد 2345",),
            locality="الرياض",
            postal_code="12271",
            country_code="SA",
        ),
        ("الرياض", "عبد الله", "صلاح"),
    ),
    (
        "eg",
        "Arabic",
        "أحمد حسن",
        "أحمد",
        Address(
            street=("١٥ شارع التحرير",), locality="القاهرة", postal_code="11511", country_code="EG"
        ),
        ("القاهرة", "التحرير"),
    ),
    (
        "il",
        "Hebrew",
        "דוד כהן",
        "דוד",
        Address(
            street=("רחוב הרצל 12",),
            locality="תל אביב-יפו",
            postal_code="6100000",
            country_code="IL",
        ),
        ("שָׁלוֹם", "ירושלים"),
    ),
    (
        "in-hi",
        "Devanagari",
        "राजेश कुमार शर्मा",
        "राजेश",
        Address(
            street=("१२ महात्मा गांधी मार्ग",),
            locality="नई दिल्ली",
            region="दिल्ली",
            postal_code="110001",
            country_code="IN",
        ),
        ("क्षत्रिय", "श्री", "कि"),
    ),
    (
        "bd",
        "Bengali",
        "মোহাম্মদ রহিম",
        "মোহাম্মদ",
        Address(
            street=("১২ মতিঝিল বাণিজ্যিক এলাকা",), locality="ঢাকা", postal_code="1000", country_code="BD"
        ),
        ("ক্ষিতীশ", "চট্টোপাধ্যায়"),
    ),
    (
        "in-ta",
        "Tamil",
        "தமிழ்செல்வி முருகன்",
        "தமிழ்செல்வி",
        Address(
            street=("45 அண்ணா சாலை",),
            locality="சென்னை",
            region="தமிழ்நாடு",
            postal_code="600002",
            country_code="IN",
        ),
        ("கொ", "ஸ்ரீ"),
    ),
    (
        "in-te",
        "Telugu",
        "శ్రీనివాస్ రెడ్డి",
        "శ్రీనివాస్",
        Address(
            street=("రోడ్ నం. 82, జూబ్లీ హిల్స్",),
            locality="హైదరాబాద్",
            region="తెలంగాణ",
            postal_code="500033",
            country_code="IN",
        ),
        ("క్ష్మ", "హైదరాబాద్"),
    ),
    (
        "in-gu",
        "Gujarati",
        "ભાવેશ પટેલ",
        "ભાવેશ",
        Address(
            street=("૨૩ સી.જી. રોડ",),
            locality="અમદાવાદ",
            region="ગુજરાત",
            postal_code="380009",
            country_code="IN",
        ),
        ("ક્ષ", "શ્રી"),
    ),
    (
        "in-pa",
        "Gurmukhi",
        "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ",
        "ਗੁਰਪ੍ਰੀਤ",
        Address(
            street=("ਮਕਾਨ ਨੰ. 45, ਸੈਕਟਰ 17",),
            locality="ਚੰਡੀਗੜ੍ਹ",
            region="ਪੰਜਾਬ",
            postal_code="160017",
            country_code="IN",
        ),
        ("ਪ੍ਰੀ", "ਸਿੰਘ"),
    ),
    (
        "lk",
        "Sinhala",
        "කමල් පෙරේරා",
        "කමල්",
        Address(street=("42 ගාලු පාර",), locality="කොළඹ 03", postal_code="00300", country_code="LK"),
        ("ශ්‍රී", "කොළඹ"),
    ),
    (
        "th",
        "Thai",
        "สมชาย ใจดี",
        "สมชาย",
        Address(
            street=("99/1 ถนนสุขุมวิท แขวงคลองเตย",),
            locality="เขตคลองเตย",
            region="กรุงเทพมหานคร",
            postal_code="10110",
            country_code="TH",
        ),
        ("กรุงเทพฯ", "น้ำ"),
    ),
    (
        "kh",
        "Khmer",
        "សុខា ចាន់",
        "សុខា",
        Address(
            street=("ផ្ទះលេខ ១២ ផ្លូវ ២៧១",), locality="ភ្នំពេញ", postal_code="120101", country_code="KH"
        ),
        ("ភ្នំពេញ", "ស្ត្រី"),
    ),
    (
        "la",
        "Lao",
        "ສົມພອນ ວົງສະຫວັນ",
        "ສົມພອນ",
        Address(street=("ຖະໜົນ ລ້ານຊ້າງ",), locality="ວຽງຈັນ", postal_code="01000", country_code="LA"),
        ("ວຽງຈັນ", "ນ້ຳ"),
    ),
    (
        "mm",
        "Myanmar",
        "အောင်ကျော်",
        "အောင်ကျော်",
        Address(
            street=("အမှတ် ၁၂ ဗိုလ်ချုပ်လမ်း",), locality="ရန်ကုန်", postal_code="11181", country_code="MM"
        ),
        ("မြန်မာ", "ကြို"),
    ),
    (
        "ge",
        "Georgian",
        "გიორგი ბერიძე",
        "გიორგი",
        Address(
            street=("რუსთაველის გამზირი 12",),
            locality="თბილისი",
            postal_code="0108",
            country_code="GE",
        ),
        ("თბილისი",),
    ),
    (
        "am",
        "Armenian",
        "Արամ Պետրոսյան",
        "Արամ",
        Address(
            street=("Աբովյան փողոց 10",), locality="Երևան", postal_code="0001", country_code="AM"
        ),
        ("Երևան",),
    ),
    (
        "et",
        "Ethiopic",
        "አበበ በቀለ",
        "አበበ",
        Address(street=("ቦሌ ክፍለ ከተማ",), locality="አዲስ አበባ", postal_code="1000", country_code="ET"),
        ("አዲስ",),
    ),
    (
        "tw",
        "Han (traditional)",
        "陳志明",
        "志明",
        Address(
            street=("信義路五段7號",),
            locality="信義區",
            region="臺北市",
            postal_code="110",
            country_code="TW",
        ),
        ("臺灣",),
    ),
    (
        "pk",
        "Urdu",
        "محمد عمران خان",
        "عمران",
        Address(
            street=("مکان نمبر ۱۲، گلی ۵",),
            locality="اسلام آباد",
            postal_code="44000",
            country_code="PK",
        ),
        ("پاکستان", "گلی"),
    ),
]


def script_book() -> list:
    """The contacts of :data:`SCRIPTS`, each with a short note in their own script."""
    return [person(uid, name, given, address) for uid, _, name, given, address, _ in SCRIPTS]
