"""Word lists for synthetic people and schools.

Common US given names and surnames (roughly in order of frequency, so a Zipf-like weighting gives
a plausible mix), school name stems, and Missouri's higher-education institutions (public facts).
Nothing here names a real person.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = tuple(
    """
James Mary Michael Patricia Robert Jennifer John Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel Nancy Matthew Betty Anthony Sandra
Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol
Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura
Jeffrey Cynthia Ryan Dorothy Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Emma
Stephen Brenda Larry Pamela Justin Nicole Scott Anna Brandon Samantha Benjamin Katherine Samuel
Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia Dennis
Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam Victoria Nathan Joyce Henry Lauren
Zachary Kelly Douglas Christina Peter Ruth Kyle Joan Noah Virginia Ethan Judith Jeremy Evelyn
Christian Hannah Walter Andrea Keith Megan Austin Cheryl Roger Jacqueline Terry Madison Sean Teresa
Gerald Abigail Carl Sophia Dylan Martha Harold Sara Jordan Gloria Jesse Janice Bryan Kathryn Lawrence
Ann Arthur Isabella Gabriel Judy Bruce Charlotte Logan Julia Billy Grace Joe Amber Alan Alice Juan
Denise Elijah Danielle Willie Marilyn Albert Beverly Wayne Natalie Randy Theresa Mason Diana Vincent
Brittany Liam Doris Roy Kayla Bobby Alexis Caleb Lori Bradley Marie Russell Tiffany Lucas Kristen
""".split()
)

LAST_NAMES: tuple[str, ...] = tuple(
    """
Smith Johnson Williams Brown Jones Miller Davis Garcia Rodriguez Wilson Martinez Anderson Taylor
Thomas Hernandez Moore Martin Jackson Thompson White Lopez Lee Gonzalez Harris Clark Lewis Robinson
Walker Perez Hall Young Allen Sanchez Wright King Scott Green Baker Adams Nelson Hill Ramirez Campbell
Mitchell Roberts Carter Phillips Evans Turner Torres Parker Collins Edwards Stewart Flores Morris
Nguyen Murphy Rivera Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Gomez Kelly Howard Ward Cox
Diaz Richardson Wood Watson Brooks Bennett Gray James Reyes Cruz Hughes Price Myers Long Foster
Sanders Ross Morales Powell Sullivan Russell Ortiz Jenkins Gutierrez Perry Butler Barnes Fisher
Henderson Coleman Simmons Patterson Jordan Reynolds Hamilton Graham Kim Gonzales Alexander Ramos
Wallace Griffin West Cole Hayes Chavez Gibson Bryant Ellis Stevens Murray Ford Marshall Owens
McDonald Harrison Ruiz Kennedy Wells Alvarez Woods Mendoza Castillo Olson Webb Washington Tucker
Freeman Burns Henry Vasquez Snyder Simpson Crawford Jimenez Porter Mason Shaw Gordon Wagner Hunter
Romero Hicks Dixon Hunt Palmer Robertson Black Holmes Stone Meyer Boyd Mills Warren Fox Rose Rice
Moreno Schmidt Patel Ferguson Nichols Herrera Medina Ryan Fernandez Weaver Daniels Stephens Gardner
Payne Kelley Dunn Pierce Arnold Tran Spencer Peters Hawkins Grant Hansen Castro Hoffman Hart Elliott
Cunningham Knight Bradley Carroll Hudson Duncan Armstrong Berry Andrews Johnston Ray Lane Riley
Carpenter Perkins Aguilar Silva Richards Willis Matthews Chapman Lawrence Garza Vargas Watkins
Wheeler Larson Carlson Harper George Greene Burke Guzman Morrison Munoz Jacobs Obrien Lawson Franklin
Lynch Bishop Carr Salazar Austin Mendez Gilbert Jensen Williamson Montgomery Harvey Oliver Howell
Dean Hanson Weber Garrett Sims Burton Fuller Soto McCoy Welch Chen Schultz Walters Reid Fields Walsh
Little Fowler Bowman Davidson May Day Schneider Newman Brewer Lucas Holland Wong Banks Santos Curtis
Pearson Delgado Valdez Pena Rios Douglas Sandoval Barrett Hopkins Keller Guerrero Stanley Bates
Alvarado Beck Ortega Wade Estrada Contreras Barnett Caldwell Santiago Lambert Powers Chambers Nunez
Craig Leonard Lowe Rhodes Byrd Gregory Shelton Frazier Becker Maldonado Fleming Vega Sutton Cohen
Jennings Parks McDaniel Watts Barker Norris Vaughn Vazquez Holt Schwartz Steele Benson Neal Dominguez
Horton Terry Wolfe Hale Lyons Graves Haynes Miles Park Warner Padilla Bush Thornton McCarthy Mann
Zimmerman Erickson Fletcher McKinney Page Dawson Joseph Marquez Reeves Klein Espinoza Baldwin Moran
Love Robbins Higgins Ball Cortez Le Griffith Bowen Sharp Cummings Ramsey Hardy Swanson Barber Acosta
Luna Chandler Blair Daniel Cross Simon Dennis Oconnor Quinn Gross Navarro Moss Fitzgerald Doyle
McLaughlin Rojas Rodgers Stevenson Singh Yang Figueroa Harmon Newton Paul Manning Garner McGee Reese
Francis Burgess Adkins Goodman Curry Brady Christensen Potter Walton Goodwin Mullins Molina Webster
Fischer Campos Avila Sherman Todd Chang Blake Malone Wolf Hodges Juarez Gill Farmer Hines Gallagher
Duran Hubbard Cannon Miranda Wang Saunders Tate Mack Hammond Carrillo Townsend Wise Ingram Barton
Mejia Ayala Schroeder Hampton Rowe Parsons Frank Waters Strickland Osborne Maxwell Chan Deleon Norman
Harrington Casey Patton Logan Bowers Mueller Glover Floyd Hartman Buchanan Cobb French Kramer McCormick
""".split()
)

MIDDLE_INITIAL_NAMES: tuple[str, ...] = (
    "Ann",
    "Lee",
    "Marie",
    "James",
    "Lynn",
    "Ray",
    "Jo",
    "Dale",
    "Rose",
    "Allen",
    "Jean",
    "Wayne",
    "Kay",
    "Paul",
    "Grace",
    "",
)

SCHOOL_STEMS: tuple[str, ...] = (
    "Washington",
    "Lincoln",
    "Jefferson",
    "Franklin",
    "Roosevelt",
    "Eugene Field",
    "Mark Twain",
    "Truman",
    "Central",
    "Westview",
    "Eastwood",
    "Northside",
    "Southside",
    "Pleasant Valley",
    "Cedar Ridge",
    "Oak Grove",
    "Maple Park",
    "Prairie View",
    "Riverside",
    "Hillcrest",
    "Meadowbrook",
    "Sunset Hills",
    "Parkview",
    "Lakeview",
    "George Washington Carver",
    "Laura Ingalls Wilder",
    "Walt Disney",
    "Daniel Boone",
    "Lewis and Clark",
    "Thomas Hart Benton",
    "Ozark Trail",
)
LEVELS: tuple[tuple[str, str], ...] = (
    ("Elementary", "K-5"),
    ("Elementary", "PK-4"),
    ("Intermediate", "4-6"),
    ("Middle", "6-8"),
    ("Junior High", "7-8"),
    ("High", "9-12"),
    ("Early Childhood Center", "PK"),
)

# Missouri institutions of higher education (public facts); codes are synthetic.
IHE_NAMES: tuple[tuple[str, str], ...] = (
    ("University of Missouri-Columbia", "Columbia"),
    ("University of Missouri-Kansas City", "Kansas City"),
    ("University of Missouri-St. Louis", "St. Louis"),
    ("Missouri University of Science and Technology", "Rolla"),
    ("Truman State University", "Kirksville"),
    ("Missouri State University", "Springfield"),
    ("University of Central Missouri", "Warrensburg"),
    ("Southeast Missouri State University", "Cape Girardeau"),
    ("Northwest Missouri State University", "Maryville"),
    ("Missouri Southern State University", "Joplin"),
    ("Missouri Western State University", "St. Joseph"),
    ("Lincoln University", "Jefferson City"),
    ("Harris-Stowe State University", "St. Louis"),
    ("Saint Louis University", "St. Louis"),
    ("Washington University in St. Louis", "St. Louis"),
    ("Webster University", "Webster Groves"),
    ("Lindenwood University", "St. Charles"),
    ("Maryville University", "St. Louis"),
    ("Drury University", "Springfield"),
    ("Evangel University", "Springfield"),
    ("William Jewell College", "Liberty"),
    ("Park University", "Parkville"),
    ("Rockhurst University", "Kansas City"),
    ("Avila University", "Kansas City"),
    ("Columbia College", "Columbia"),
    ("Stephens College", "Columbia"),
    ("Westminster College", "Fulton"),
    ("William Woods University", "Fulton"),
    ("Central Methodist University", "Fayette"),
    ("Missouri Baptist University", "St. Louis"),
    ("College of the Ozarks", "Point Lookout"),
    ("Southwest Baptist University", "Bolivar"),
)

NONPUBLIC_PATTERNS: tuple[str, ...] = (
    "St. {saint} Catholic School",
    "{saint_plain} Lutheran School",
    "{town} Christian Academy",
    "{town} Montessori School",
    "Immanuel Lutheran School - {town}",
    "{town} Seventh-day Adventist School",
    "Sacred Heart School - {town}",
    "{town} Classical Academy",
    "Holy Trinity School - {town}",
    "{town} Baptist Academy",
    "Trinity Lutheran School - {town}",
    "{town} Mennonite School",
)
SAINTS: tuple[str, ...] = (
    "Mary",
    "Joseph",
    "Peter",
    "Paul",
    "John",
    "Francis",
    "Anne",
    "Ann",
    "Patrick",
    "Michael",
    "Vincent",
    "Elizabeth",
    "Clement",
    "Agnes",
    "Teresa",
    "Thomas",
    "Catherine",
    "Gabriel",
    "Margaret",
    "Monica",
)
