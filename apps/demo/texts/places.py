"""Where parcels go and pass through: Korean districts, terminals and hubs, DHL facilities."""

# Korean name, English name, postal code, delivery branch, promised days (islands: 3), weight
KR_PLACES = (
    ("서울 강남구", "Gangnam-gu, Seoul", "06236", "서울강남", 2, 9),
    ("서울 마포구", "Mapo-gu, Seoul", "04038", "서울마포", 2, 7),
    ("서울 송파구", "Songpa-gu, Seoul", "05551", "서울송파", 2, 7),
    ("서울 노원구", "Nowon-gu, Seoul", "01695", "서울노원", 2, 5),
    ("서울 용산구", "Yongsan-gu, Seoul", "04386", "서울용산", 2, 4),
    ("부산 해운대구", "Haeundae-gu, Busan", "48094", "부산해운대", 2, 6),
    ("인천 연수구", "Yeonsu-gu, Incheon", "21990", "인천연수", 2, 5),
    ("대구 수성구", "Suseong-gu, Daegu", "42100", "대구수성", 2, 4),
    ("대전 유성구", "Yuseong-gu, Daejeon", "34126", "대전유성", 2, 4),
    ("광주 서구", "Seo-gu, Gwangju", "61947", "광주서구", 2, 3),
    ("울산 남구", "Nam-gu, Ulsan", "44677", "울산남구", 2, 2),
    ("수원 영통구", "Yeongtong-gu, Suwon", "16690", "수원영통", 2, 5),
    ("성남 분당구", "Bundang-gu, Seongnam", "13561", "성남분당", 2, 5),
    ("고양 일산동구", "Ilsandong-gu, Goyang", "10403", "고양일산", 2, 4),
    ("세종", "Sejong", "30151", "세종", 2, 2),
    ("전주 완산구", "Wansan-gu, Jeonju", "55101", "전주완산", 2, 2),
    ("청주 흥덕구", "Heungdeok-gu, Cheongju", "28501", "청주흥덕", 2, 2),
    ("창원 성산구", "Seongsan-gu, Changwon", "51497", "창원성산", 2, 2),
    ("춘천", "Chuncheon", "24341", "춘천", 2, 1),
    ("강릉", "Gangneung", "25474", "강릉", 2, 1),
    ("제주 제주시", "Jeju-si, Jeju", "63122", "제주", 3, 2),
    ("서귀포", "Seogwipo, Jeju", "63565", "서귀포", 3, 1),
    ("울릉군", "Ulleung-gun", "40200", "울릉", 3, 1),
)
KR_ORIGINS = ("경기이천", "경기용인", "경기김포", "경기광주")
KR_HUBS = ("곤지암Hub", "대전Hub", "옥천Hub", "청원Hub", "군포Hub", "부산Hub")
DHL_ORIGINS = (
    "LEIPZIG - GERMANY",
    "HONG KONG - HONG KONG SAR, CHINA",
    "CINCINNATI HUB - USA",
    "TOKYO - JAPAN",
)
# DHL exports to customers abroad: facility, city, postal code, country, time zone
DHL_ABROAD = (
    ("TOKYO - JAPAN", "Tokyo", "150-0002", "JP", "Asia/Tokyo"),
    ("NEW YORK - USA", "New York", "10001", "US", "America/New_York"),
    ("BERLIN - GERMANY", "Berlin", "10115", "DE", "Europe/Berlin"),
    ("SINGAPORE - SINGAPORE", "Singapore", "018956", "SG", "Asia/Singapore"),
    ("LONDON - UNITED KINGDOM", "London", "EC1A 1BB", "GB", "Europe/London"),
)
